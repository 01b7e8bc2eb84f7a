import { z } from 'zod';
import { ReasoningEffort } from '../inference/openai';

/**
 * OpenAI Responses API request shapes (stateless). Unknown fields are ignored, as OpenAI's SDKs and
 * agent frameworks send extras (include, truncation, prompt_cache_key…).
 */

const TextPart = z.object({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() });
const RefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const MessageContent = z.union([
	z.string(),
	z.array(z.discriminatedUnion('type', [TextPart, RefusalPart], { error: 'supported content parts are input_text and output_text' }))
]);

const MessageItem = z.object({
	type: z.literal('message').optional(),
	role: z.enum(['user', 'assistant', 'system', 'developer']),
	content: MessageContent
});

const FunctionCallItem = z.object({
	type: z.literal('function_call'),
	call_id: z.string().min(1),
	name: z.string().min(1),
	arguments: z.string()
});

const FunctionCallOutputItem = z.object({
	type: z.literal('function_call_output'),
	call_id: z.string().min(1),
	output: z.union([z.string(), z.array(TextPart)])
});

/** Earlier reasoning sent back by a client: accepted, and left out of the prompt. */
const ReasoningItem = z.object({ type: z.literal('reasoning') });

const InputItem = z.union([MessageItem, FunctionCallItem, FunctionCallOutputItem, ReasoningItem], {
	error: 'supported input items are messages, function_call, function_call_output and reasoning'
});
export type InputItem = z.infer<typeof InputItem>;

const FunctionTool = z.object({
	type: z.literal('function', { error: 'only function tools are supported' }),
	name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are letters, digits, _ and -'),
	description: z.string().nullable().optional(),
	parameters: z.record(z.string(), z.unknown()).nullable().optional(),
	strict: z.boolean().nullable().optional()
});
export type FunctionTool = z.infer<typeof FunctionTool>;

const ToolChoice = z.union([
	z.enum(['none', 'auto', 'required']),
	z.object({ type: z.literal('function'), name: z.string().min(1) })
]);
export type ToolChoice = z.infer<typeof ToolChoice>;

export const TextFormat = z.discriminatedUnion('type', [
	z.object({ type: z.literal('text') }),
	z.object({ type: z.literal('json_object') }),
	z.object({
		type: z.literal('json_schema'),
		name: z.string().max(64),
		schema: z.record(z.string(), z.unknown()),
		description: z.string().optional(),
		strict: z.boolean().nullable().optional()
	})
]);
export type TextFormat = z.infer<typeof TextFormat>;

export const ResponsesRequest = z.object({
	model: z.string().min(1).max(1024),
	input: z.union([z.string(), z.array(InputItem).min(1)]),
	instructions: z.string().nullable().optional(),
	tools: z.array(FunctionTool).max(128).nullable().optional(),
	tool_choice: ToolChoice.nullable().optional(),
	text: z.object({ format: TextFormat.optional() }).nullable().optional(),
	reasoning: z.object({ effort: ReasoningEffort.nullable().optional() }).nullable().optional(),
	max_output_tokens: z.number().int().min(1).nullable().optional(),
	temperature: z.number().min(0).max(2).nullable().optional(),
	top_p: z.number().min(0).max(1).nullable().optional(),
	parallel_tool_calls: z.boolean().nullable().optional(),
	previous_response_id: z.string().nullable().optional(),
	conversation: z.unknown().optional(),
	store: z.boolean().nullable().optional(),
	metadata: z.record(z.string(), z.string()).nullable().optional(),
	stream: z.boolean().nullable().optional()
});
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;
