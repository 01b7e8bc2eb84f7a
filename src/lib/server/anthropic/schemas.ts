import { z } from 'zod';

/**
 * Anthropic Messages API request shapes (https://docs.anthropic.com/en/api/messages). Unknown fields
 * are ignored, as Anthropic's SDKs and agents send extras (cache_control, service_tier, betas…).
 */

const TextBlock = z.object({ type: z.literal('text'), text: z.string() });

const ToolUseBlock = z.object({
	type: z.literal('tool_use'),
	id: z.string().min(1),
	name: z.string().min(1),
	input: z.record(z.string(), z.unknown()).default({})
});

const ToolResultBlock = z.object({
	type: z.literal('tool_result'),
	tool_use_id: z.string().min(1),
	content: z.union([z.string(), z.array(TextBlock)]).optional(),
	is_error: z.boolean().optional()
});

/** Earlier thoughts sent back by a client: accepted, and left out of the prompt (as Anthropic does). */
const ThinkingBlock = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() });
const RedactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() });

const ContentBlock = z.discriminatedUnion('type', [TextBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock], {
	error: 'supported content blocks are text, tool_use, tool_result and thinking'
});
export type ContentBlock = z.infer<typeof ContentBlock>;

const Message = z.object({
	role: z.enum(['user', 'assistant']),
	content: z.union([z.string(), z.array(ContentBlock)])
});
export type Message = z.infer<typeof Message>;

const Tool = z.object({
	type: z.literal('custom').optional(),
	name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are letters, digits, _ and -'),
	description: z.string().optional(),
	input_schema: z.record(z.string(), z.unknown())
});

const ToolChoice = z.discriminatedUnion('type', [
	z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
	z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
	z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
	z.object({ type: z.literal('none') })
]);
export type ToolChoice = z.infer<typeof ToolChoice>;

const Thinking = z.discriminatedUnion('type', [
	z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }),
	z.object({ type: z.literal('disabled') }),
	// The model decides how long it thinks.
	z.object({ type: z.literal('adaptive') }),
	z.object({ type: z.literal('between_tools') })
]);

export const Effort = z.enum(['low', 'medium', 'high', 'xhigh', 'max']);
export type Effort = z.infer<typeof Effort>;

const OutputConfig = z.object({
	effort: Effort.nullable().optional(),
	format: z.object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullable().optional()
});

/** Fields shared by `/v1/messages` and `/v1/messages/count_tokens`. */
const Prompt = {
	model: z.string().min(1).max(1024),
	messages: z.array(Message).min(1),
	system: z.union([z.string(), z.array(TextBlock)]).optional(),
	tools: z.array(Tool).max(128).optional(),
	tool_choice: ToolChoice.optional(),
	thinking: Thinking.optional(),
	output_config: OutputConfig.optional()
};

export const MessagesRequest = z.object({
	...Prompt,
	max_tokens: z.number().int().min(1),
	stop_sequences: z.array(z.string()).max(16).optional(),
	temperature: z.number().min(0).max(1).optional(),
	top_p: z.number().min(0).max(1).optional(),
	top_k: z.number().int().min(0).optional(),
	metadata: z.object({ user_id: z.string().max(256).nullable().optional() }).optional(),
	stream: z.boolean().optional()
});
export type MessagesRequest = z.infer<typeof MessagesRequest>;

export const CountTokensRequest = z.object(Prompt);
export type CountTokensRequest = z.infer<typeof CountTokensRequest>;
