CREATE TABLE `item_notes` (
	`id` integer PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`body` text NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `items`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `items` (
	`id` text PRIMARY KEY NOT NULL,
	`batch` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `items_batch` ON `items` (`batch`);--> statement-breakpoint
CREATE TABLE `meta` (
	`id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
