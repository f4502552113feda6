-- A checksum's digest value (same definition: its first 16 hex digits as an unsigned 64-bit
-- number), as a single expression without FROM so that PostgreSQL inlines the call into the
-- digest triggers' queries. The earlier body had a FROM clause, which made every call (two per
-- updated SyncMetadata row) go through the SQL-function executor: ~4 µs a row against ~0.8 µs.
CREATE OR REPLACE FUNCTION fieldsync_checksum_value(checksum text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ('x' || substr(checksum, 1, 8))::bit(32)::bigint::numeric * 4294967296 + ('x' || substr(checksum, 9, 8))::bit(32)::bigint
$$;
