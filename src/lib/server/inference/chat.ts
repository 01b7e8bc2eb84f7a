import { randomUUID } from 'node:crypto';
import {
	LlamaChat,
	resolveChatWrapper,
	type ChatHistoryItem,
	type ChatModelFunctions,
	type ChatWrapper,
	type LlamaChatResponseChunk,
	type LlamaGrammar,
	type LlamaModel,
	type Token
} from 'node-llama-cpp';
import { BadRequestError } from '../http/errors';
import { getLlamaInstance } from '../llama';
import type { Lease } from '../pool';
import { toHistory } from './history';
import { jsonClosingSuffix, jsonDepth } from './json';
import type { ChatCompletionRequest, FinishReason, OpenAiToolCall } from './openai';
import { generationOptions, type Sampling } from './sampling';
import { meterUsage } from './usage';

export type ChatResult = {
	text: string;
	/** The model's thought segments (reasoning models), never part of `text`. */
	reasoning: string;
	finishReason: FinishReason;
	/** The stop sequence that ended the answer, if one did. */
	stopSequence: string | null;
	toolCalls: OpenAiToolCall[];
	promptTokens: number;
	/** Prompt tokens reused from the sequence's state (not evaluated again). */
	cachedTokens: number;
	completionTokens: number;
};

export type ChatCallbacks = {
	signal: AbortSignal;
	/** Each new piece of answer text, in order. */
	onText?: (text: string) => void;
	/** Each new piece of the model's reasoning (its thought segments), in order. */
	onReasoning?: (text: string) => void;
};

/**
 * The chat wrapper of each loaded model, resolved once: resolving it from a Jinja template renders
 * the template many times (seconds of CPU), far too slow to repeat for every request.
 */
const wrappers = new WeakMap<LlamaModel, ChatWrapper>();

export function chatWrapperFor(model: LlamaModel): ChatWrapper {
	let wrapper = wrappers.get(model);
	if (!wrapper) {
		wrapper = resolveChatWrapper(model);
		wrappers.set(model, wrapper);
	}
	return wrapper;
}

/** The grammar a `response_format` asks for; an unsupported JSON schema is a 400. */
async function grammarFor(format: ChatCompletionRequest['response_format']): Promise<LlamaGrammar | undefined> {
	if (!format || format.type === 'text') return undefined;
	const llama = await getLlamaInstance();
	if (format.type === 'json_object') return llama.getGrammarFor('json');
	const schema = format.json_schema.schema ?? { type: 'object' };
	try {
		return await llama.createGrammarForJsonSchema(schema as never);
	} catch (err) {
		throw new BadRequestError(`response_format.json_schema is not supported: ${err instanceof Error ? err.message : String(err)}`, 'invalid_request_error');
	}
}

/** Deeper parameter schemas overflow node-llama-cpp's recursive schema walk (a 500 instead of a 400). */
const MAX_TOOL_SCHEMA_DEPTH = 64;

/** OpenAI `tools` as node-llama-cpp functions, narrowed by `tool_choice`. */
function functionsFor(req: ChatCompletionRequest): ChatModelFunctions | undefined {
	const choice = req.tool_choice;
	if (!req.tools || req.tools.length === 0 || choice === 'none') return undefined;
	const tooDeep = req.tools.find((t) => jsonDepth(t.function.parameters) > MAX_TOOL_SCHEMA_DEPTH);
	if (tooDeep) {
		throw new BadRequestError(`tools: the parameters of ${tooDeep.function.name} nest deeper than ${MAX_TOOL_SCHEMA_DEPTH} levels`, 'invalid_request_error');
	}
	const named = typeof choice === 'object' && choice ? choice.function.name : null;
	const tools = named ? req.tools.filter((t) => t.function.name === named) : req.tools;
	if (named && tools.length === 0) throw new BadRequestError(`tool_choice names an unknown function: ${named}`, 'invalid_request_error');
	return Object.fromEntries(
		tools.map((t) => [t.function.name, { description: t.function.description, params: (t.function.parameters ?? undefined) as never }])
	);
}

export type PreparedChat = { grammar?: LlamaGrammar; functions?: ChatModelFunctions; history: ChatHistoryItem[] };

/**
 * The prompt of a chat as the model will see it (its chat template applied), as tokens: the pool
 * leases the free sequence whose state shares the longest prefix with it.
 */
export function chatPromptTokens(prepared: PreparedChat): (model: LlamaModel) => readonly Token[] | null {
	return (model) => {
		try {
			const { contextText } = chatWrapperFor(model).generateContextState({
				chatHistory: [...prepared.history, { type: 'model', response: [] }],
				availableFunctions: prepared.functions
			});
			return contextText.tokenize(model.tokenizer);
		} catch {
			return null; // any free sequence then; the generation reports the real error
		}
	};
}

/**
 * Everything in a request that can be refused (400), checked before a model is leased or a stream
 * starts, so a bad request is a 400 and never a 200 stream that ends in an error.
 */
export async function prepareChat(req: ChatCompletionRequest, systemPrompt: string): Promise<PreparedChat> {
	const grammar = await grammarFor(req.response_format);
	const functions = functionsFor(req);
	if (grammar && functions) throw new BadRequestError('response_format cannot be combined with tools', 'invalid_request_error');
	return { grammar, functions, history: toHistory(req.messages, systemPrompt) };
}

/**
 * One chat completion on a leased sequence. JSON formats are enforced by a grammar during generation;
 * an answer cut off by `max_tokens` is closed so it still parses (finish reason `length`).
 */
export async function runChat(
	lease: Lease,
	{ grammar, functions, history }: PreparedChat,
	sampling: Sampling,
	callbacks: ChatCallbacks
): Promise<ChatResult> {
	const chat = new LlamaChat({ contextSequence: lease.sequence, chatWrapper: chatWrapperFor(lease.model), autoDisposeSequence: false });
	const usage = meterUsage(lease);
	let reasoning = '';
	try {
		const common = {
			...generationOptions(sampling),
			signal: callbacks.signal,
			stopOnAbortSignal: true,
			onToken: usage.onToken,
			// Segments (a reasoning model's thoughts, gpt-oss' commentary) are reasoning, the rest the answer.
			onResponseChunk: (chunk: LlamaChatResponseChunk) => {
				if (!chunk.text) return;
				if (chunk.type === 'segment') {
					reasoning += chunk.text;
					callbacks.onReasoning?.(chunk.text);
				} else callbacks.onText?.(chunk.text);
			}
		};
		const result = functions
			? await chat.generateResponse(history, { ...common, functions })
			: await chat.generateResponse(history, { ...common, grammar });
		const stop = result.metadata.stopReason;
		const toolCalls: OpenAiToolCall[] = (result.functionCalls ?? []).map((call) => ({
			id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
			type: 'function',
			function: { name: call.functionName, arguments: JSON.stringify(call.params ?? {}) }
		}));
		let text = result.response;
		let finishReason: FinishReason = toolCalls.length > 0 ? 'tool_calls' : stop === 'maxTokens' ? 'length' : 'stop';
		if (grammar) {
			// The grammar keeps the answer valid JSON; a cut-off one is completed (append-only, so the
			// streamed text and the final text stay equal).
			const suffix = jsonClosingSuffixIfBroken(text);
			if (suffix) {
				callbacks.onText?.(suffix);
				text += suffix;
				if (finishReason === 'stop') finishReason = 'length';
			}
		}
		const stopSequence =
			result.metadata.stopReason === 'customStopTrigger'
				? result.metadata.customStopTrigger.filter((part): part is string => typeof part === 'string').join('')
				: null;
		return {
			text,
			reasoning,
			finishReason,
			stopSequence,
			toolCalls,
			...usage.read()
		};
	} catch (err) {
		lease.discardState();
		throw err;
	} finally {
		chat.dispose({ disposeSequence: false });
	}
}

/** How many tokens the prompt of a chat takes on a model (its chat template, tools included). */
export function countChatTokens(model: LlamaModel, { functions, history }: PreparedChat): number {
	// Generation renders the history with the model's turn opened (an empty model response) last.
	const chatHistory: ChatHistoryItem[] = [...history, { type: 'model', response: [] }];
	const state = chatWrapperFor(model).generateContextState({ chatHistory, availableFunctions: functions });
	return state.contextText.tokenize(model.tokenizer).length;
}

function jsonClosingSuffixIfBroken(text: string): string {
	try {
		JSON.parse(text);
		return '';
	} catch {
		return jsonClosingSuffix(text);
	}
}
