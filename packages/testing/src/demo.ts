// The demo data every test database is seeded with (seedDemoData in @fieldsync/api).
export const users = {
  tech1: "tech1@northwind.test",
  tech2: "tech2@northwind.test",
  admin: "admin@northwind.test",
  globex: "tech@globex.test",
} as const;
export type UserName = keyof typeof users;

/** The device a user's requests come from when they name none (e.g. GET /api/sync/status). */
export const kitDevice = (user: UserName) => `kit-${user}`;

export const seededAsset = "10000000-0000-4000-8000-000000000001";
export const globexAsset = "10000000-0000-4000-8000-000000000101";
