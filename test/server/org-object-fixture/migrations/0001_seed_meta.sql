-- The one sequence row, as server/migrations/0001_seed_meta.sql seeds sync_meta.
INSERT INTO `meta` (`id`, `seq`) VALUES (1, 0);
