import { z } from 'zod';

/** OpenAI-shaped request schemas and response types for `/v1`. Unknown fields are ignored, as OpenAI's SDKs send extras. */

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
/** Parts a text-only model cannot read: accepted by the schema so the answer can say so (400). */
const MediaPart = z.object({ type: z.enum(['image_url', 'input_audio', 'file', 'image', 'audio']) });
const RefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const ContentPart = z.discriminatedUnion('type', [TextPart, MediaPart, RefusalPart]);
export type ContentPart = z.infer<typeof ContentPart>;
const Content = z.union([z.string(), z.array(ContentPart)]).nullable().optional();

const ToolCall = z.object({
	id: z.string(),
	type: z.literal('function').default('function'),
	function: z.object({ name: z.string(), arguments: z.string() })
});

export const ChatMessage = z.discriminatedUnion('role', [
	z.object({ role: z.literal('system'), content: Content }),
	z.object({ role: z.literal('developer'), content: Content }),
	z.object({ role: z.literal('user'), content: Content }),
	z.object({ role: z.literal('assistant'), content: Content, tool_calls: z.array(ToolCall).optional() }),
	z.object({ role: z.literal('tool'), content: Content, tool_call_id: z.string() })
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

const Stop = z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional();

/** Most choices (`n`) one request may ask for. */
export const MAX_CHOICES = 8;

/** Fields shared by chat and text completions. */
const Sampling = {
	model: z.string().min(1).max(1024),
	max_tokens: z.number().int().min(1).nullable().optional(),
	temperature: z.number().min(0).max(2).nullable().optional(),
	top_p: z.number().min(0).max(1).nullable().optional(),
	top_k: z.number().int().min(0).nullable().optional(),
	min_p: z.number().min(0).max(1).nullable().optional(),
	repeat_penalty: z.number().min(0).max(10).nullable().optional(),
	frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
	presence_penalty: z.number().min(-2).max(2).nullable().optional(),
	seed: z.number().int().nullable().optional(),
	stop: Stop,
	n: z.number().int().min(1).max(MAX_CHOICES).nullable().optional(),
	logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
	stream: z.boolean().nullable().optional(),
	stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
	user: z.string().optional()
};

const JsonSchemaFormat = z.object({
	type: z.literal('json_schema'),
	json_schema: z.object({
		name: z.string().max(64).optional(),
		schema: z.record(z.string(), z.unknown()).optional(),
		strict: z.boolean().nullable().optional()
	})
});

export const ResponseFormat = z.discriminatedUnion('type', [
	z.object({ type: z.literal('text') }),
	z.object({ type: z.literal('json_object') }),
	JsonSchemaFormat
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

export const Tool = z.object({
	type: z.literal('function'),
	function: z.object({
		name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are letters, digits, _ and -'),
		description: z.string().optional(),
		parameters: z.record(z.string(), z.unknown()).optional()
	})
});
export type Tool = z.infer<typeof Tool>;

export const ToolChoice = z.union([
	z.enum(['none', 'auto', 'required']),
	z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })
]);

export const ReasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

export const ChatCompletionRequest = z.object({
	...Sampling,
	reasoning_effort: ReasoningEffort.nullable().optional(),
	messages: z.array(ChatMessage).min(1),
	max_completion_tokens: z.number().int().min(1).nullable().optional(),
	response_format: ResponseFormat.nullable().optional(),
	tools: z.array(Tool).max(128).nullable().optional(),
	tool_choice: ToolChoice.nullable().optional(),
	parallel_tool_calls: z.boolean().nullable().optional(),
	logprobs: z.boolean().nullable().optional(),
	top_logprobs: z.number().int().min(0).max(20).nullable().optional()
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

const TokenArray = z.array(z.number().int().min(0)).min(1);

export const CompletionRequest = z.object({
	...Sampling,
	prompt: z.union([z.string(), z.array(z.string()).min(1).max(16), TokenArray, z.array(TokenArray).min(1).max(16)]),
	echo: z.boolean().nullable().optional(),
	suffix: z.string().nullable().optional(),
	logprobs: z.number().int().min(0).max(5).nullable().optional(),
	best_of: z.number().int().min(1).max(MAX_CHOICES).nullable().optional()
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingRequest = z.object({
	model: z.string().min(1).max(1024),
	input: z.union([z.string(), z.array(z.string()).min(1).max(2048), TokenArray, z.array(TokenArray).min(1).max(2048)]),
	encoding_format: z.enum(['float', 'base64']).optional(),
	dimensions: z.number().int().min(1).optional(),
	user: z.string().optional()
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

export type Usage = {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
	/** `cached_tokens`: prompt tokens taken from a sequence's kept state instead of being evaluated. */
	prompt_tokens_details?: { cached_tokens: number };
};

export function usage(prompt: number, completion: number, cached?: number): Usage {
	const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
	if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached };
	return out;
}

export type OpenAiToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

export function toOpenAiToolCall(call: { id: string; name: string; arguments: string }): OpenAiToolCall {
	return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

export type ModelObject = { id: string; object: 'model'; created: number; owned_by: string };
