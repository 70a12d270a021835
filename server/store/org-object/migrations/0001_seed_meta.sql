-- The counter rows every write's transaction reads and bumps, as server/migrations/0001_seed_meta.sql seeds D1's:
-- the object's own change sequence, purge horizon and server clock (server/db/schema.ts, sync_meta).
INSERT OR IGNORE INTO `sync_meta` (`name`, `value`, `text`) VALUES ('seq', 0, NULL), ('purged_seq', 0, NULL), ('server_hlc', 0, NULL);
