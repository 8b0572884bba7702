ALTER TABLE `cameras` ADD `record_mode` text DEFAULT 'continuous' NOT NULL;--> statement-breakpoint
ALTER TABLE `cameras` ADD `pre_roll_seconds` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `cameras` ADD `post_roll_seconds` integer DEFAULT 5 NOT NULL;