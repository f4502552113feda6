// A private PostgreSQL 15 cluster (crashed with `-m immediate` and started again by the scenarios).
export { PrivatePostgres, initCluster } from "@fieldsync/testing/private-postgres";
