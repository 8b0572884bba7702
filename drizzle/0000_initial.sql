CREATE TABLE `cameras` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`rtsp_url` text NOT NULL,
	`rtsp_url_key` text NOT NULL,
	`sub_stream_url` text,
	`username` text,
	`password` text,
	`enabled` integer DEFAULT true NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`removed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cameras_rtsp_url_key_unique` ON `cameras` (`rtsp_url_key`) WHERE "cameras"."removed_at" IS NULL;--> statement-breakpoint
CREATE TABLE `detected_objects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`type` text NOT NULL,
	`confidence` real NOT NULL,
	`bounding_box` text NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `detected_objects_event_idx` ON `detected_objects` (`event_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`camera_id` text NOT NULL,
	`recording_id` integer,
	`type` text NOT NULL,
	`timestamp` integer NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer,
	`confidence` real,
	`locked` integer DEFAULT false NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`camera_id`) REFERENCES `cameras`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `events_camera_start_idx` ON `events` (`camera_id`,`start_time`);--> statement-breakpoint
CREATE INDEX `events_type_start_idx` ON `events` (`type`,`start_time`);--> statement-breakpoint
CREATE TABLE `recordings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`camera_id` text NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer,
	`duration_ms` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`camera_id`) REFERENCES `cameras`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recordings_camera_start_idx` ON `recordings` (`camera_id`,`start_time`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`recording_id` integer NOT NULL,
	`stream_id` integer,
	`camera_id` text NOT NULL,
	`file_path` text NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`file_size` integer NOT NULL,
	FOREIGN KEY (`recording_id`) REFERENCES `recordings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`camera_id`) REFERENCES `cameras`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `segments_camera_start_idx` ON `segments` (`camera_id`,`start_time`);--> statement-breakpoint
CREATE INDEX `segments_recording_idx` ON `segments` (`recording_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `segments_file_path_unique` ON `segments` (`file_path`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `streams` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`camera_id` text NOT NULL,
	`kind` text DEFAULT 'main' NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`end_reason` text,
	FOREIGN KEY (`camera_id`) REFERENCES `cameras`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `streams_camera_started_idx` ON `streams` (`camera_id`,`started_at`);