import { randomUUID } from 'node:crypto';
import type { LlamaChat, LlamaChatResponseChunk } from 'node-llama-cpp';
import type { ChatCallbacks, ChatResult, FinishReason, PreparedChat } from './chat';
import { EnvelopeStream } from './envelope-stream';
import { jsonClosingSuffix } from './json';
import { toOpenAiToolCall, type OpenAiToolCall } from './openai';
import type { generationOptions } from './sampling';

/**
 * The three ways a prepared chat generates (see `PreparedChat.mode`): free text or JSON under a
 * grammar, the model's own function calling, and the forced tool-call envelope.
 */

function callId(): string {
	return `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export type Common = ReturnType<typeof generationOptions> & {
	signal: AbortSignal;
	stopOnAbortSignal: true;
	onToken: () => void;
	onResponseChunk: (chunk: LlamaChatResponseChunk) => void;
};
type Metadata = Awaited<ReturnType<LlamaChat['generateResponse']>>['metadata'];
export type Outcome = Pick<ChatResult, 'text' | 'finishReason' | 'toolCalls'> & { metadata: Metadata };

export async function runText(chat: LlamaChat, prepared: PreparedChat, common: Common, callbacks: ChatCallbacks): Promise<Outcome> {
	const result = await chat.generateResponse(prepared.history, {
		...common,
		grammar: prepared.grammar
	});
	let text = result.response;
	let finishReason: FinishReason = result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
	if (prepared.json) {
		// The grammar keeps the answer valid JSON; a cut-off one is completed (append-only, so the
		// streamed text and the final text stay equal).
		const suffix = closingSuffixIfBroken(text);
		if (suffix) {
			callbacks.onText?.(suffix);
			text += suffix;
			finishReason = 'length';
		}
	}
	return { text, finishReason, toolCalls: [], metadata: result.metadata };
}

export async function runNative(chat: LlamaChat, prepared: PreparedChat, common: Common, callbacks: ChatCallbacks): Promise<Outcome> {
	const ids: string[] = [];
	const result = await chat.generateResponse(prepared.history, {
		...common,
		functions: prepared.functions,
		documentFunctionParams: true,
		maxParallelFunctionCalls: prepared.parallel ? undefined : 1,
		onFunctionCallParamsChunk: (chunk) => {
			if (ids[chunk.callIndex] === undefined) {
				ids[chunk.callIndex] = callId();
				callbacks.onToolCall?.({ type: 'start', index: chunk.callIndex, id: ids[chunk.callIndex], name: chunk.functionName });
			}
			if (chunk.paramsChunk) callbacks.onToolCall?.({ type: 'arguments', index: chunk.callIndex, text: chunk.paramsChunk });
		}
	});
	const toolCalls = (result.functionCalls ?? []).map((call, index) => {
		const id = ids[index] ?? callId();
		const args = JSON.stringify(call.params ?? {});
		if (ids[index] === undefined) {
			// A call whose parameters were never streamed in pieces (none): announce it whole.
			callbacks.onToolCall?.({ type: 'start', index, id, name: call.functionName });
			callbacks.onToolCall?.({ type: 'arguments', index, text: args });
		}
		return toOpenAiToolCall({ id, name: call.functionName, arguments: args });
	});
	const stop = result.metadata.stopReason;
	const finishReason: FinishReason = toolCalls.length > 0 ? 'tool_calls' : stop === 'maxTokens' ? 'length' : 'stop';
	return { text: result.response, finishReason, toolCalls, metadata: result.metadata };
}

/** Generates the forced envelope and turns it into tool calls (or the answer it holds). */
export async function runEnvelope(
	chat: LlamaChat,
	prepared: PreparedChat,
	common: Common,
	callbacks: ChatCallbacks,
	answer: { sink: (text: string) => void }
): Promise<Outcome> {
	const scanner = new EnvelopeStream();
	const calls: { id: string; name: string; args: string }[] = [];
	let response = '';
	let isAnswer = false;
	answer.sink = (text: string) => {
		for (const e of scanner.feed(text)) {
			if (e.type === 'call') {
				calls[e.index] = { id: callId(), name: e.name, args: '' };
				callbacks.onToolCall?.({ type: 'start', index: e.index, id: calls[e.index].id, name: e.name });
			} else if (e.type === 'arguments') {
				calls[e.index].args += e.text;
				callbacks.onToolCall?.({ type: 'arguments', index: e.index, text: e.text });
			} else {
				isAnswer = true;
				response += e.text;
				callbacks.onText?.(e.text);
			}
		}
	};
	const result = await chat.generateResponse(prepared.history, { ...common, grammar: prepared.grammar });
	const cut = closingSuffixIfBroken(result.response) !== '';
	if (isAnswer) {
		const suffix = cut ? closingSuffixIfBroken(response) : '';
		if (suffix) callbacks.onText?.(suffix);
		return { text: response + suffix, finishReason: cut ? 'length' : 'stop', toolCalls: [], metadata: result.metadata };
	}
	// A call cut off by `max_tokens` is closed so it parses; when complete calls came before it, it is
	// left out of the final answer instead (its arguments would not follow the schema).
	const complete = calls.filter((c) => c && parses(c.args));
	const toolCalls: OpenAiToolCall[] = [];
	for (const [index, call] of calls.entries()) {
		if (!call) continue;
		const whole = parses(call.args);
		if (!whole && complete.length > 0) continue;
		const suffix = whole ? '' : closingSuffixIfBroken(call.args);
		if (suffix) callbacks.onToolCall?.({ type: 'arguments', index, text: suffix });
		toolCalls.push(toOpenAiToolCall({ id: call.id, name: call.name, arguments: call.args + suffix }));
	}
	return { text: '', finishReason: cut ? 'length' : 'tool_calls', toolCalls, metadata: result.metadata };
}

function parses(text: string): boolean {
	try {
		JSON.parse(text);
		return true;
	} catch {
		return false;
	}
}

function closingSuffixIfBroken(text: string): string {
	try {
		JSON.parse(text);
		return '';
	} catch {
		return jsonClosingSuffix(text);
	}
}
