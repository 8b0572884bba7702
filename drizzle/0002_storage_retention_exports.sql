CREATE TABLE `exports` (
	`id` text PRIMARY KEY NOT NULL,
	`camera_ids` text NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer NOT NULL,
	`status` text NOT NULL,
	`progress` real DEFAULT 0 NOT NULL,
	`file_path` text,
	`file_size` integer,
	`gaps` text DEFAULT '[]' NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `exports_created_idx` ON `exports` (`created_at`);--> statement-breakpoint
DROP INDEX `segments_camera_start_idx`;--> statement-breakpoint
CREATE INDEX `segments_camera_start_end_idx` ON `segments` (`camera_id`,`start_time`,`end_time`);--> statement-breakpoint
CREATE INDEX `segments_start_idx` ON `segments` (`start_time`);--> statement-breakpoint
ALTER TABLE `cameras` ADD `retain_days` integer;--> statement-breakpoint
ALTER TABLE `cameras` ADD `retain_event_days` integer;--> statement-breakpoint
CREATE INDEX `events_locked_idx` ON `events` (`camera_id`,`start_time`) WHERE "events"."locked" = 1;