import { BadRequestError } from '../http/errors';
import type { ChatCompletionRequest, ChatMessage, OpenAiToolCall } from '../inference';
import type { InputItem, ResponsesRequest } from './schemas';

type ChatTool = NonNullable<ChatCompletionRequest['tools']>[number];

const textOf = (content: string | { type: string; text?: string; refusal?: string }[]) =>
	typeof content === 'string' ? content : content.map((p) => p.text ?? p.refusal ?? '').join('');

/** Input items as chat messages: consecutive function calls join one assistant message. */
function toChatMessages(items: InputItem[]): ChatMessage[] {
	const messages: ChatMessage[] = [];
	for (const item of items) {
		if (item.type === 'reasoning') continue;
		if (item.type === 'function_call') {
			const call: OpenAiToolCall = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
			const last = messages.at(-1);
			if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
			else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
		} else if (item.type === 'function_call_output') {
			messages.push({ role: 'tool', tool_call_id: item.call_id, content: textOf(item.output) });
		} else {
			messages.push({ role: item.role, content: textOf(item.content) });
		}
	}
	return messages;
}

function responseFormatOf(req: ResponsesRequest): ChatCompletionRequest['response_format'] {
	const format = req.text?.format;
	if (!format || format.type === 'text') return undefined;
	if (format.type === 'json_object') return { type: 'json_object' };
	return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, strict: format.strict } };
}

/** A Responses request as the chat request the inference core runs. Stateless: no stored responses. */
export function toChatRequest(req: ResponsesRequest): ChatCompletionRequest {
	if (req.previous_response_id) {
		throw new BadRequestError('previous_response_id is not supported: responses are not stored; send the whole conversation in input', 'invalid_request_error');
	}
	if (req.conversation !== undefined && req.conversation !== null) {
		throw new BadRequestError('conversation is not supported: responses are not stored; send the whole conversation in input', 'invalid_request_error');
	}
	const messages: ChatMessage[] = [];
	if (req.instructions) messages.push({ role: 'system', content: req.instructions });
	messages.push(...(typeof req.input === 'string' ? [{ role: 'user' as const, content: req.input }] : toChatMessages(req.input)));
	if (messages.length === 0) throw new BadRequestError('input has no messages', 'invalid_request_error');
	const tools: ChatTool[] | undefined = req.tools?.map((t) => ({
		type: 'function',
		function: { name: t.name, description: t.description ?? undefined, parameters: t.parameters ?? undefined }
	}));
	const choice = req.tool_choice;
	return {
		model: req.model,
		messages,
		tools,
		tool_choice: typeof choice === 'object' && choice ? { type: 'function', function: { name: choice.name } } : choice,
		parallel_tool_calls: req.parallel_tool_calls ?? undefined,
		response_format: responseFormatOf(req),
		max_tokens: req.max_output_tokens,
		temperature: req.temperature,
		top_p: req.top_p,
		reasoning_effort: req.reasoning?.effort
	};
}
