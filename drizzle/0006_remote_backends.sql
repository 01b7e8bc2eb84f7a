CREATE TABLE `backends` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`base_url` text NOT NULL,
	`api_key_sealed` text,
	`api_key_last4` text,
	`headers_sealed` text,
	`header_names` text DEFAULT '[]' NOT NULL,
	`prefix` text DEFAULT '' NOT NULL,
	`models` text DEFAULT '[]' NOT NULL,
	`discovered_models` text DEFAULT '[]' NOT NULL,
	`discovered_at` integer,
	`timeout_ms` integer DEFAULT 60000 NOT NULL,
	`max_concurrent` integer DEFAULT 0 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backends_name_unique` ON `backends` (`name`);--> statement-breakpoint
CREATE TABLE `routing_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`match_type` text NOT NULL,
	`pattern` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`backend_id` text NOT NULL,
	`target_model` text,
	`fallback_backend_id` text,
	`override_local` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`backend_id`) REFERENCES `backends`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`fallback_backend_id`) REFERENCES `backends`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
ALTER TABLE `audit_logs` ADD `backend` text;--> statement-breakpoint
CREATE INDEX `audit_logs_backend_timestamp_idx` ON `audit_logs` (`backend`,`timestamp`,`id`);