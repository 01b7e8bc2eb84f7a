import { z } from 'zod';

export const MAX_TITLE = 200;
/** One message's text; a long paste goes in as an attachment instead. */
export const MAX_CONTENT = 512 * 1024;
/** Each attached file (text, inlined into the prompt). */
export const MAX_ATTACHMENT_BYTES = 256 * 1024;
export const MAX_ATTACHMENTS = 8;

const nullableNumber = (min: number, max: number, int = false) => {
	const n = int ? z.number().int().min(min).max(max) : z.number().min(min).max(max);
	return n.nullable();
};

export const Settings = z
	.object({
		model: z.string().trim().max(1024),
		system_prompt: z.string().max(100_000),
		temperature: nullableNumber(0, 2),
		top_p: nullableNumber(0, 1),
		max_tokens: nullableNumber(1, 1_048_576, true),
		context_size: nullableNumber(64, 1_048_576, true)
	})
	.strict();
export type Settings = z.infer<typeof Settings>;

export const CreateConversation = z
	.object({
		title: z.string().trim().min(1).max(MAX_TITLE).optional(),
		settings: Settings.partial().optional()
	})
	.strict();
export type CreateConversation = z.infer<typeof CreateConversation>;

export const UpdateConversation = z
	.object({
		title: z.string().trim().min(1).max(MAX_TITLE).optional(),
		settings: Settings.partial().optional(),
		/** Switches the branch on screen to the one ending at this message. */
		current_leaf_id: z.string().min(1).max(100).optional()
	})
	.strict();
export type UpdateConversation = z.infer<typeof UpdateConversation>;

export const Attachment = z
	.object({
		name: z.string().trim().min(1).max(255),
		text: z.string().refine((t) => Buffer.byteLength(t) <= MAX_ATTACHMENT_BYTES, `at most ${MAX_ATTACHMENT_BYTES / 1024} KiB per file`)
	})
	.strict();

const Stats = z
	.object({
		ttft_ms: z.number().min(0).nullable(),
		tokens_per_second: z.number().min(0).nullable(),
		prompt_tokens: z.number().int().min(0).nullable(),
		completion_tokens: z.number().int().min(0).nullable(),
		context_window: z.number().int().min(0).nullable(),
		reasoning_ms: z.number().min(0).nullable()
	})
	.partial()
	.strict();

/**
 * A stored message. The page adds user messages this way (then asks `generate` for the answer);
 * an assistant message can be stored too (imports, tests).
 */
export const AddMessage = z
	.object({
		role: z.enum(['user', 'assistant']),
		content: z.string().max(MAX_CONTENT),
		/** The message this one follows; null = the first message. Omitted = after the current branch's last. */
		parent_id: z.string().min(1).max(100).nullable().optional(),
		reasoning: z.string().max(MAX_CONTENT).optional(),
		attachments: z.array(Attachment).max(MAX_ATTACHMENTS).optional(),
		status: z.enum(['complete', 'stopped', 'error']).optional(),
		finish_reason: z.string().max(40).nullable().optional(),
		model: z.string().max(1024).nullable().optional(),
		stats: Stats.nullable().optional()
	})
	.strict();
export type AddMessage = z.infer<typeof AddMessage>;

/** Generates an answer: to `parent_id` (a user message), or more of `continue_id` (a cut answer). */
export const Generate = z.union([
	z.object({ parent_id: z.string().min(1).max(100) }).strict(),
	z.object({ continue_id: z.string().min(1).max(100) }).strict()
]);
export type Generate = z.infer<typeof Generate>;

export const ListQuery = z.object({
	q: z.string().trim().max(200).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(200)
});

export const ExportQuery = z.object({ format: z.enum(['md', 'json']).default('md') });

/** Ids are UUIDs; anything else cannot name a conversation (404 rather than a lookup). */
export const isId = (id: string) => /^[0-9a-f-]{36}$/i.test(id);
