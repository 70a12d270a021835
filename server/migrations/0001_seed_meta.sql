-- The counter rows every write batch reads and bumps (see server/db/schema.ts, sync_meta).
INSERT OR IGNORE INTO `sync_meta` (`name`, `value`, `text`) VALUES ('seq', 0, NULL), ('purged_seq', 0, NULL), ('server_hlc', 0, NULL);
