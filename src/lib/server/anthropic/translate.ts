import { thoughtBudgetFor, type ChatCompletionRequest, type ChatMessage, type ChatResult, type OpenAiToolCall } from '../inference';
import type { ContentBlock, CountTokensRequest, MessagesRequest, ToolChoice } from './schemas';

type ChatTool = NonNullable<ChatCompletionRequest['tools']>[number];

const textOf = (content: string | { text: string }[] | undefined) =>
	content === undefined ? '' : typeof content === 'string' ? content : content.map((b) => b.text).join('\n');

/** One Anthropic message as chat messages: tool results become `tool` messages, tool uses calls. */
function toChatMessages(role: 'user' | 'assistant', content: string | ContentBlock[]): ChatMessage[] {
	if (typeof content === 'string') return [{ role, content }];
	const text = content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
	if (role === 'assistant') {
		const calls: OpenAiToolCall[] = content.flatMap((b) =>
			b.type === 'tool_use' ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input) } }] : []
		);
		return [{ role: 'assistant', content: text || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) }];
	}
	const results: ChatMessage[] = content.flatMap((b) =>
		b.type === 'tool_result' ? [{ role: 'tool' as const, tool_call_id: b.tool_use_id, content: textOf(b.content) }] : []
	);
	return text || results.length === 0 ? [...results, { role: 'user', content: text }] : results;
}

function toolChoiceOf(choice: ToolChoice | undefined): ChatCompletionRequest['tool_choice'] {
	switch (choice?.type) {
		case undefined:
			return undefined;
		case 'auto':
			return 'auto';
		case 'any':
			return 'required';
		case 'none':
			return 'none';
		case 'tool':
			return { type: 'function', function: { name: choice.name } };
	}
}

/** An Anthropic request as the chat request the inference core runs. */
export function toChatRequest(req: MessagesRequest | CountTokensRequest): ChatCompletionRequest {
	const messages: ChatMessage[] = [];
	const system = textOf(req.system);
	if (system) messages.push({ role: 'system', content: system });
	for (const m of req.messages) messages.push(...toChatMessages(m.role, m.content));
	const tools: ChatTool[] | undefined = req.tools?.map((t) => ({
		type: 'function',
		function: { name: t.name, description: t.description, parameters: t.input_schema }
	}));
	const sampling = 'max_tokens' in req ? req : null;
	const choice = req.tool_choice;
	return {
		model: req.model,
		messages,
		tools,
		tool_choice: toolChoiceOf(choice),
		parallel_tool_calls: choice && 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use ? false : undefined,
		max_tokens: sampling?.max_tokens,
		temperature: sampling?.temperature,
		top_p: sampling?.top_p,
		top_k: sampling?.top_k,
		stop: sampling?.stop_sequences,
		response_format: req.output_config?.format ? { type: 'json_schema', json_schema: { schema: req.output_config.format.schema } } : undefined
	};
}

/**
 * The thought budget asked for: `thinking.budget_tokens`, none when thinking is disabled, else a
 * share of `max_tokens` by `output_config.effort` (`max`: no limit of ours), else the model's own.
 */
export function thoughtBudgetOf(req: MessagesRequest, maxTokens: number): number | undefined {
	if (req.thinking?.type === 'enabled') return Math.min(req.thinking.budget_tokens, maxTokens);
	if (req.thinking?.type === 'disabled') return 0;
	const effort = req.output_config?.effort;
	if (!effort || effort === 'max') return undefined;
	return thoughtBudgetFor(effort, maxTokens);
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export function stopReasonOf(result: Pick<ChatResult, 'finishReason' | 'stopSequence'>): StopReason {
	if (result.finishReason === 'tool_calls') return 'tool_use';
	if (result.finishReason === 'length') return 'max_tokens';
	return result.stopSequence ? 'stop_sequence' : 'end_turn';
}

/** Anthropic names tool uses `toolu_…`. */
export function toolUseId(id: string): string {
	return id.startsWith('call_') ? `toolu_${id.slice(5)}` : id;
}

export function toolUseBlock(call: OpenAiToolCall) {
	let input: unknown = {};
	try {
		input = JSON.parse(call.function.arguments || '{}');
	} catch {
		input = {};
	}
	return { type: 'tool_use' as const, id: toolUseId(call.id), name: call.function.name, input };
}

/** The response's content blocks: thinking first, then the answer text, then tool uses. */
export function contentOf(result: ChatResult) {
	const blocks: object[] = [];
	if (result.reasoning) blocks.push({ type: 'thinking', thinking: result.reasoning, signature: '' });
	if (result.text || result.toolCalls.length === 0) blocks.push({ type: 'text', text: result.text });
	for (const call of result.toolCalls) blocks.push(toolUseBlock(call));
	return blocks;
}

export type TokenCounts = { promptTokens: number; cachedTokens: number; completionTokens: number };

/** Anthropic's usage: `input_tokens` excludes what was read from the cache (a prefix the sequence kept). */
export function usageOf({ promptTokens, cachedTokens, completionTokens }: TokenCounts) {
	return {
		input_tokens: promptTokens - cachedTokens,
		output_tokens: completionTokens,
		cache_creation_input_tokens: 0,
		cache_read_input_tokens: cachedTokens
	};
}
