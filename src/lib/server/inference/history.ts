import type { ChatHistoryItem, ChatModelFunctionCall } from 'node-llama-cpp';
import { BadRequestError } from '../http/errors';
import type { ChatMessage } from './openai';

function textOf(content: ChatMessage['content']): string {
	if (content == null) return '';
	return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function parseArguments(text: string, name: string): unknown {
	try {
		return JSON.parse(text || '{}');
	} catch {
		throw new BadRequestError(`tool call ${name}: arguments are not valid JSON`, 'invalid_request_error');
	}
}

function parseResult(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/**
 * OpenAI messages as node-llama-cpp chat history. Assistant tool calls become function calls whose
 * results are the matching `tool` messages. The profile's system prompt applies when the request
 * brings none.
 */
export function toHistory(messages: ChatMessage[], systemPrompt: string): ChatHistoryItem[] {
	const history: ChatHistoryItem[] = [];
	const calls = new Map<string, ChatModelFunctionCall>();
	if (systemPrompt && !messages.some((m) => m.role === 'system' || m.role === 'developer')) {
		history.push({ type: 'system', text: systemPrompt });
	}
	for (const message of messages) {
		switch (message.role) {
			case 'system':
			case 'developer':
				history.push({ type: 'system', text: textOf(message.content) });
				break;
			case 'user':
				history.push({ type: 'user', text: textOf(message.content) });
				break;
			case 'assistant': {
				const response: (string | ChatModelFunctionCall)[] = [];
				const text = textOf(message.content);
				if (text) response.push(text);
				for (const call of message.tool_calls ?? []) {
					const item: ChatModelFunctionCall = {
						type: 'functionCall',
						name: call.function.name,
						params: parseArguments(call.function.arguments, call.function.name),
						result: null
					};
					calls.set(call.id, item);
					response.push(item);
				}
				history.push({ type: 'model', response });
				break;
			}
			case 'tool': {
				const call = calls.get(message.tool_call_id);
				if (!call) throw new BadRequestError(`tool message for unknown tool_call_id ${message.tool_call_id}`, 'invalid_request_error');
				call.result = parseResult(textOf(message.content));
				break;
			}
		}
	}
	return history;
}
