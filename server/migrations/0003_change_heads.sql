ALTER TABLE `orgs` ADD `members_head` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `projects_head` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `settings_head` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `project_members_head` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `project_members_org_seq_idx` ON `project_members` (`org_id`,`seq`);--> statement-breakpoint
-- Backfill (hand-written): each head starts at the seq of the last stored change of what it covers, so a head
-- is the same "last change" everywhere, whether that change came before this migration or after.
UPDATE `orgs` SET `members_head` = COALESCE((SELECT MAX(`seq`) FROM `org_members` WHERE `org_id` = `orgs`.`id`), 0);--> statement-breakpoint
UPDATE `orgs` SET `project_members_head` = MAX(`members_head`, COALESCE((SELECT MAX(`seq`) FROM `project_members` WHERE `org_id` = `orgs`.`id`), 0));--> statement-breakpoint
UPDATE `orgs` SET `projects_head` = MAX(`project_members_head`, COALESCE((SELECT MAX(`seq`) FROM `projects` WHERE `org_id` = `orgs`.`id`), 0));--> statement-breakpoint
UPDATE `orgs` SET `settings_head` = COALESCE((SELECT MAX(`seq`) FROM `settings` WHERE `scope` = 'org' AND `scope_id` = `orgs`.`id`), 0);
