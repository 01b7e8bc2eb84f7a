import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

const now = sql`(unixepoch('subsec') * 1000)`;
/** Milliseconds since the epoch, stored as an integer and read as a Date. */
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const users = sqliteTable('users', {
	id: text().primaryKey(),
	email: text().notNull().unique(),
	passwordHash: text().notNull(),
	isAdmin: integer({ mode: 'boolean' }).notNull().default(false),
	status: text({ enum: ['pending', 'approved', 'disabled'] }).notNull().default('pending'),
	createdAt: timestamp('created_at').notNull().default(now),
	approvedAt: timestamp('approved_at'),
	approvedBy: text()
});
export type User = typeof users.$inferSelect;

/** Lucia sessions; `expires_at` is in seconds, as the Lucia Drizzle adapter writes it. */
export const sessions = sqliteTable(
	'sessions',
	{
		id: text().primaryKey(),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: integer().notNull(),
		/** The browser's User-Agent at sign-in, shown on the account page; null for older sessions. */
		userAgent: text(),
		createdAt: timestamp('created_at'),
		/** Updated at most once a minute while the session is used. */
		lastSeenAt: timestamp('last_seen_at')
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);
export type Session = typeof sessions.$inferSelect;

export const apiKeys = sqliteTable(
	'api_keys',
	{
		id: text().primaryKey(),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text().notNull(),
		prefix: text().notNull(),
		keyHash: text().notNull().unique(),
		/** JSON array of model ids the key may use; null = any. */
		allowedModels: text({ mode: 'json' }).$type<string[] | null>(),
		createdAt: timestamp('created_at').notNull().default(now),
		lastUsedAt: timestamp('last_used_at')
	},
	(t) => [index('api_keys_user_idx').on(t.userId)]
);
export type ApiKey = typeof apiKeys.$inferSelect;

/** Key/value settings a person changes in the UI; they override the environment defaults. */
export const settings = sqliteTable('settings', {
	key: text().primaryKey(),
	value: text({ mode: 'json' }).notNull(),
	updatedAt: timestamp('updated_at').notNull().default(now)
});

export const downloads = sqliteTable(
	'downloads',
	{
		id: text().primaryKey(),
		taskId: text().notNull().unique(),
		userId: text().references(() => users.id, { onDelete: 'set null' }),
		/** `<owner>/<repo>/<file>.gguf` — the model id the finished file will have. */
		modelId: text().notNull(),
		repo: text().notNull(),
		file: text().notNull(),
		revision: text().notNull().default('main'),
		/** JSON array of the files of a split model (first part first); one entry otherwise. */
		parts: text({ mode: 'json' }).$type<{ file: string; size_bytes: number; sha256: string | null }[]>().notNull(),
		status: text({ enum: ['pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled'] })
			.notNull()
			.default('pending'),
		totalBytes: integer().notNull().default(0),
		downloadedBytes: integer().notNull().default(0),
		error: text(),
		createdAt: timestamp('created_at').notNull().default(now),
		updatedAt: timestamp('updated_at').notNull().default(now),
		completedAt: timestamp('completed_at')
	},
	(t) => [index('downloads_status_idx').on(t.status), index('downloads_model_idx').on(t.modelId)]
);
export type Download = typeof downloads.$inferSelect;

export const profiles = sqliteTable('profiles', {
	id: text().primaryKey(),
	name: text().notNull().unique(),
	/** Who created it (edits and deletes it; admins may too). Null for profiles older than owners. */
	ownerId: text().references(() => users.id, { onDelete: 'set null' }),
	description: text().notNull().default(''),
	modelId: text().notNull(),
	contextSize: integer().notNull().default(4096),
	/** `"auto"` or a number of layers, stored as text. */
	gpuLayers: text().notNull().default('auto'),
	parallel: integer().notNull().default(1),
	temperature: real().notNull().default(0.7),
	topP: real().notNull().default(1),
	topK: integer().notNull().default(40),
	minP: real().notNull().default(0.05),
	repeatPenalty: real().notNull().default(1.1),
	maxTokens: integer().notNull().default(4096),
	systemPrompt: text().notNull().default(''),
	/** Duration text (`30m`, `0`, `-1`); null = the global keep-alive. */
	keepAlive: text(),
	pinned: integer({ mode: 'boolean' }).notNull().default(false),
	/** Other names `/v1` accepts for this profile (`gpt-4o`, `claude-sonnet-4-5`); unique among every profile's names and aliases. */
	aliases: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
	createdAt: timestamp('created_at').notNull().default(now),
	updatedAt: timestamp('updated_at').notNull().default(now)
});
export type Profile = typeof profiles.$inferSelect;

export const auditLogs = sqliteTable(
	'audit_logs',
	{
		id: integer().primaryKey({ autoIncrement: true }),
		requestId: text().notNull(),
		timestamp: timestamp('timestamp').notNull(),
		userId: text(),
		userEmail: text(),
		apiKeyId: text(),
		model: text().notNull().default(''),
		endpoint: text().notNull(),
		backendType: text().notNull().default('local'),
		/** The remote backend's name for a routed request; null when served by the local pool. */
		backend: text(),
		status: text({ enum: ['success', 'error', 'timeout', 'cancelled'] }).notNull(),
		durationMs: integer().notNull().default(0),
		ttftMs: integer(),
		promptTokens: integer().notNull().default(0),
		/** Prompt tokens reused from a sequence's kept state (OpenAI's `prompt_tokens_details.cached_tokens`). */
		cachedTokens: integer().notNull().default(0),
		completionTokens: integer().notNull().default(0),
		totalTokens: integer().notNull().default(0),
		errorType: text(),
		errorMessage: text()
	},
	(t) => [
		index('audit_logs_timestamp_idx').on(t.timestamp, t.id),
		index('audit_logs_user_timestamp_idx').on(t.userId, t.timestamp, t.id),
		index('audit_logs_model_timestamp_idx').on(t.model, t.timestamp, t.id),
		index('audit_logs_status_timestamp_idx').on(t.status, t.timestamp, t.id),
		index('audit_logs_backend_timestamp_idx').on(t.backend, t.timestamp, t.id)
	]
);
export type AuditLog = typeof auditLogs.$inferSelect;

/** A remote inference server `/v1` routes to (vLLM, llama-server, another LLM Manager, a hosted API). */
export const backends = sqliteTable('backends', {
	id: text().primaryKey(),
	name: text().notNull().unique(),
	kind: text({ enum: ['openai-compatible', 'anthropic'] }).notNull(),
	baseUrl: text().notNull(),
	/** The API key sealed with the instance key (`$lib/server/secrets`); never stored in clear. */
	apiKeySealed: text(),
	apiKeyLast4: text(),
	/** Extra request headers, a JSON object sealed like the key (they may carry credentials). */
	headersSealed: text(),
	/** The names of the extra headers, shown instead of their values. */
	headerNames: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
	/** `<prefix>/<model>` in `/v1/models`; empty = the backend's own model names. */
	prefix: text().notNull().default(''),
	/** Model names listed by hand; empty = those discovered from the backend's models endpoint. */
	models: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
	discoveredModels: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
	discoveredAt: timestamp('discovered_at'),
	timeoutMs: integer().notNull().default(60_000),
	/** 0 = no limit. */
	maxConcurrent: integer().notNull().default(0),
	enabled: integer({ mode: 'boolean' }).notNull().default(true),
	createdAt: timestamp('created_at').notNull().default(now),
	updatedAt: timestamp('updated_at').notNull().default(now)
});
export type Backend = typeof backends.$inferSelect;

/** Sends `/v1` requests whose model matches `pattern` to a backend; the highest priority wins. */
export const routingRules = sqliteTable('routing_rules', {
	id: text().primaryKey(),
	matchType: text({ enum: ['exact', 'prefix', 'glob', 'regex'] }).notNull(),
	pattern: text().notNull(),
	priority: integer().notNull().default(0),
	backendId: text()
		.notNull()
		.references(() => backends.id, { onDelete: 'cascade' }),
	/** The model name sent upstream; null = the requested one. */
	targetModel: text(),
	fallbackBackendId: text().references(() => backends.id, { onDelete: 'set null' }),
	/** The rule applies even when a local model or profile has the requested name. */
	overrideLocal: integer({ mode: 'boolean' }).notNull().default(false),
	enabled: integer({ mode: 'boolean' }).notNull().default(true),
	createdAt: timestamp('created_at').notNull().default(now)
});
export type RoutingRule = typeof routingRules.$inferSelect;
export type NewAuditLog = typeof auditLogs.$inferInsert;

/** Per-chat settings, saved with the conversation (snake_case: the wire shape, stored as JSON). */
export type ConversationSettings = {
	model: string;
	system_prompt: string;
	temperature: number | null;
	top_p: number | null;
	max_tokens: number | null;
	context_size: number | null;
};

/** A saved chat. Private to its owner: no route reads another user's conversations, admins included. */
export const conversations = sqliteTable(
	'conversations',
	{
		id: text().primaryKey(),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		title: text().notNull(),
		settings: text({ mode: 'json' }).$type<ConversationSettings>().notNull(),
		/** The last message of the branch on screen (edits and regenerations make branches). */
		currentLeafId: text(),
		createdAt: timestamp('created_at').notNull().default(now),
		updatedAt: timestamp('updated_at').notNull().default(now)
	},
	(t) => [index('conversations_user_updated_idx').on(t.userId, t.updatedAt)]
);
export type Conversation = typeof conversations.$inferSelect;

export type MessageStats = {
	ttft_ms: number | null;
	tokens_per_second: number | null;
	prompt_tokens: number | null;
	completion_tokens: number | null;
	context_window: number | null;
	reasoning_ms: number | null;
};
export type MessageAttachment = { name: string; size_bytes: number; text: string };

/**
 * The messages of a conversation as a tree: a message's parent is the one it answers or follows.
 * Siblings are the branches (an edited question, a regenerated answer). Deleting a message deletes
 * everything after it on its branch.
 */
export const conversationMessages = sqliteTable(
	'conversation_messages',
	{
		id: text().primaryKey(),
		conversationId: text()
			.notNull()
			.references(() => conversations.id, { onDelete: 'cascade' }),
		parentId: text().references((): AnySQLiteColumn => conversationMessages.id, { onDelete: 'cascade' }),
		role: text({ enum: ['user', 'assistant'] }).notNull(),
		content: text().notNull().default(''),
		reasoning: text().notNull().default(''),
		/** `streaming` while an answer is being written; `stopped` when it was cut off (Stop, a closed tab). */
		status: text({ enum: ['complete', 'streaming', 'stopped', 'error'] }).notNull().default('complete'),
		finishReason: text(),
		error: text(),
		model: text(),
		stats: text({ mode: 'json' }).$type<MessageStats | null>(),
		attachments: text({ mode: 'json' }).$type<MessageAttachment[]>().notNull().default([]),
		createdAt: timestamp('created_at').notNull().default(now),
		updatedAt: timestamp('updated_at').notNull().default(now)
	},
	(t) => [index('conversation_messages_conversation_idx').on(t.conversationId, t.createdAt), index('conversation_messages_parent_idx').on(t.parentId)]
);
export type ConversationMessage = typeof conversationMessages.$inferSelect;
