ALTER TABLE `cameras` ADD `onvif_xaddr` text;--> statement-breakpoint
ALTER TABLE `cameras` ADD `onvif_profile_token` text;