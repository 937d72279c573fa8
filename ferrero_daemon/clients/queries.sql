-- Every SQL statement of ferrero-daemon, by name. Sections by area; keep names unique.
-- Parameters are positional ($1, $2, …) as asyncpg expects.

-- ==== migrations ============================================================

-- name: migrations_applied
SELECT version, name, checksum FROM schema_migrations ORDER BY version

-- name: migration_record
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)

-- name: schema_version
SELECT coalesce(max(version), 0) FROM schema_migrations

-- ==== health ================================================================

-- name: ping
SELECT 1
