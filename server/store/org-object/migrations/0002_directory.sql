ALTER TABLE `idempotency_keys` ADD `org_id` text;--> statement-breakpoint
ALTER TABLE `org_members` ADD `object_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `storage` text DEFAULT 'd1' NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `object_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orgs` ADD `object_heads` text;