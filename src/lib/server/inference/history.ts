import type { ChatHistoryItem, ChatModelFunctionCall } from 'node-llama-cpp';
import { InvalidParamError } from './errors';
import type { ChatRequest } from './chat';
import type { ChatCompletionRequest, ChatMessage } from './openai';

/** The text of a message's content; images, audio and files are refused: these models read text only. */
function textOf(content: ChatMessage['content'], at: number): string {
	if (content == null) return '';
	if (typeof content === 'string') return content;
	return content
		.map((part, i) => {
			if (part.type === 'text') return part.text;
			if (part.type === 'refusal') return part.refusal;
			const kind = part.type.startsWith('image') ? 'images' : part.type.includes('audio') ? 'audio' : 'files';
			throw new InvalidParamError(
				`This model cannot read ${kind}: messages[${at}].content[${i}] is a ${part.type} part. Send text content only.`,
				`messages[${at}].content[${i}]`,
				'unsupported_content'
			);
		})
		.join('');
}

function parseArguments(text: string, name: string): unknown {
	try {
		return JSON.parse(text || '{}');
	} catch {
		throw new InvalidParamError(`tool call ${name}: arguments are not valid JSON`, 'messages');
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
	for (const [at, message] of messages.entries()) {
		switch (message.role) {
			case 'system':
			case 'developer':
				history.push({ type: 'system', text: textOf(message.content, at) });
				break;
			case 'user':
				history.push({ type: 'user', text: textOf(message.content, at) });
				break;
			case 'assistant': {
				const response: (string | ChatModelFunctionCall)[] = [];
				const text = textOf(message.content, at);
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
				if (!call) throw new InvalidParamError(`tool message for unknown tool_call_id ${message.tool_call_id}`, `messages[${at}].tool_call_id`);
				call.result = parseResult(textOf(message.content, at));
				break;
			}
		}
	}
	return history;
}

/** The OpenAI request in the chat core's terms. */
export function toChatRequest(req: ChatCompletionRequest, systemPrompt: string): ChatRequest {
	const choice = req.tool_choice;
	return {
		history: toHistory(req.messages, systemPrompt),
		tools: (req.tools ?? []).map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
		toolChoice: choice == null ? 'auto' : typeof choice === 'string' ? choice : { name: choice.function.name },
		parallelToolCalls: req.parallel_tool_calls ?? true,
		responseFormat: !req.response_format
			? undefined
			: req.response_format.type === 'json_schema'
				? { type: 'json_schema', schema: req.response_format.json_schema.schema }
				: req.response_format
	};
}
