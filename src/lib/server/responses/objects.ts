import { randomUUID } from 'node:crypto';
import type { ChatResult, OpenAiToolCall } from '../inference';
import type { ResponsesRequest } from './schemas';

/** Output items and the response object of the Responses API, in OpenAI's shapes. */

export type OutputItem = Record<string, unknown> & { type: string; id: string };
type Status = 'in_progress' | 'completed' | 'incomplete';

export const itemId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

export function reasoningItem(id: string, text: string | null, status: Status): OutputItem {
	return { type: 'reasoning', id, summary: [], content: text === null ? [] : [{ type: 'reasoning_text', text }], status };
}

export const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

export function messageItem(id: string, text: string | null, status: Status): OutputItem {
	return { type: 'message', id, role: 'assistant', status, content: text === null ? [] : [outputText(text)] };
}

export function functionCallItem(id: string, call: OpenAiToolCall, status: Status, args = call.function.arguments): OutputItem {
	return { type: 'function_call', id, call_id: call.id, name: call.function.name, arguments: args, status };
}

/** Everything a finished generation outputs: its reasoning, its answer, its function calls. */
export function outputOf(result: ChatResult): OutputItem[] {
	const done = result.finishReason === 'length' ? 'incomplete' : 'completed';
	const items: OutputItem[] = [];
	if (result.reasoning) items.push(reasoningItem(itemId('rs'), result.reasoning, 'completed'));
	if (result.text || result.toolCalls.length === 0) items.push(messageItem(itemId('msg'), result.text, done));
	for (const call of result.toolCalls) items.push(functionCallItem(itemId('fc'), call, 'completed'));
	return items;
}

export function usageOf(result: Pick<ChatResult, 'promptTokens' | 'cachedTokens' | 'completionTokens'>, reasoningTokens: number) {
	return {
		input_tokens: result.promptTokens,
		input_tokens_details: { cached_tokens: result.cachedTokens, cache_write_tokens: 0 },
		output_tokens: result.completionTokens,
		output_tokens_details: { reasoning_tokens: reasoningTokens },
		total_tokens: result.promptTokens + result.completionTokens
	};
}

/** The request's settings echoed in every response object. */
export function responseBase(req: ResponsesRequest, id: string, sampling: { temperature: number; topP: number }) {
	return {
		id,
		object: 'response' as const,
		created_at: Math.floor(Date.now() / 1000),
		model: req.model,
		instructions: req.instructions ?? null,
		max_output_tokens: req.max_output_tokens ?? null,
		temperature: sampling.temperature,
		top_p: sampling.topP,
		tools: (req.tools ?? []).map((t) => ({
			type: 'function',
			name: t.name,
			description: t.description ?? null,
			parameters: t.parameters ?? null,
			strict: t.strict ?? null
		})),
		tool_choice: req.tool_choice ?? 'auto',
		text: { format: req.text?.format ?? { type: 'text' } },
		reasoning: { effort: req.reasoning?.effort ?? null, summary: null },
		parallel_tool_calls: req.parallel_tool_calls ?? true,
		previous_response_id: null,
		store: false,
		truncation: 'disabled',
		metadata: req.metadata ?? {}
	};
}

export type ResponseBase = ReturnType<typeof responseBase>;

export function responseObject(
	base: ResponseBase,
	status: 'in_progress' | 'completed' | 'incomplete',
	output: OutputItem[],
	usage: ReturnType<typeof usageOf> | null = null
) {
	const text = output.flatMap((item) => (item.type === 'message' ? (item.content as { text: string }[]).map((c) => c.text) : [])).join('');
	return {
		...base,
		status,
		completed_at: status === 'in_progress' ? null : Math.floor(Date.now() / 1000),
		error: null,
		incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
		output,
		output_text: text,
		// Known once generation ends; OpenAI's schema has no null usage.
		...(usage ? { usage } : {})
	};
}
