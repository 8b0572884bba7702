ALTER TABLE `cameras` ADD `segment_seconds` integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE `cameras` ADD `rtsp_transport` text DEFAULT 'tcp' NOT NULL;