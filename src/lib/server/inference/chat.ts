import fs from 'node:fs';
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
import { getLlamaInstance } from '../llama';
import { modelFileOf, type Lease } from '../pool';
import { runEnvelope, runNative, runText } from './chat-modes';
import { checkChatFits, MAX_SYNC_TOKENIZE_CHARS } from './context-fit';
import { InvalidParamError } from './errors';
import { jsonDepth } from './json';
import { toChatRequest } from './history';
import type { ChatCompletionRequest, OpenAiToolCall } from './openai';
import { generationOptions, type Sampling } from './sampling';
import {
	checkTools,
	envelopeInstructions,
	envelopeSchema,
	forcedTools,
	MAX_TOOL_SCHEMA_DEPTH,
	nativeFunctions,
	toGrammarSchema,
	withInstructions,
	type ChatTool,
	type ToolChoice
} from './tools';
import { meterUsage } from './usage';

/** What the answer must be: free text, any JSON object, or JSON following a schema. */
export type ChatResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema?: Record<string, unknown> };

/**
 * One chat request in the core's own terms; each wire protocol maps its request onto this.
 * `history` is node-llama-cpp chat history (system, user, model turns; tool results as function
 * call results).
 */
export type ChatRequest = {
	history: ChatHistoryItem[];
	tools?: ChatTool[];
	/** Defaults to `auto`. */
	toolChoice?: ToolChoice;
	/** Whether one answer may hold several calls. Defaults to true. */
	parallelToolCalls?: boolean;
	/** Defaults to free text. */
	responseFormat?: ChatResponseFormat;
};

export type FinishReason = 'stop' | 'length' | 'tool_calls';

/** A call the model made; `arguments` is the JSON text of its arguments object. */
export type ToolCall = { id: string; name: string; arguments: string };

/** A streamed piece of a tool call: its start (id and name), then pieces of its arguments text. */
export type ToolCallDelta = { type: 'start'; index: number; id: string; name: string } | { type: 'arguments'; index: number; text: string };

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
	/** Each new piece of a tool call, in order (a call's `start` before its arguments). */
	onToolCall?: (delta: ToolCallDelta) => void;
	/** Each new piece of the model's reasoning (its thought segments), in order. */
	onReasoning?: (text: string) => void;
};

/**
 * The chat wrapper of each model file, resolved once per file (path, size, mtime): resolving it from
 * a Jinja template renders the template many times (up to seconds of CPU), far too slow to repeat for
 * every request, or on every reload of the same file after keep-alive or eviction. The wrapper only
 * depends on the file's metadata, so it is shared by every load of that file.
 */
const wrappers = new WeakMap<LlamaModel, ChatWrapper>();
const wrappersByFile = new Map<string, ChatWrapper>();
const MAX_FILES = 64;

export function chatWrapperFor(model: LlamaModel): ChatWrapper {
	let wrapper = wrappers.get(model);
	if (wrapper) return wrapper;
	const stamp = fileStamp(modelFileOf(model));
	wrapper = stamp ? wrappersByFile.get(stamp) : undefined;
	if (!wrapper) {
		wrapper = resolveChatWrapper(model);
		if (stamp) {
			if (wrappersByFile.size >= MAX_FILES) wrappersByFile.delete(wrappersByFile.keys().next().value!);
			wrappersByFile.set(stamp, wrapper);
		}
	}
	wrappers.set(model, wrapper);
	return wrapper;
}

function fileStamp(file: string | undefined): string | null {
	if (!file) return null;
	try {
		const stat = fs.statSync(file);
		return `${file}:${stat.size}:${stat.mtimeMs}`;
	} catch {
		return null;
	}
}

async function createGrammar(schema: unknown, what: string): Promise<LlamaGrammar> {
	const llama = await getLlamaInstance();
	try {
		return await llama.createGrammarForJsonSchema(schema as never);
	} catch (err) {
		throw new InvalidParamError(`${what}: this JSON schema is not supported: ${err instanceof Error ? err.message : String(err)}`, what);
	}
}

/** The schema a response format asks for (`undefined` for free text). */
function responseSchema(format: ChatResponseFormat | undefined): unknown {
	if (!format || format.type === 'text') return undefined;
	if (format.type === 'json_object') return { type: 'object', additionalProperties: true };
	if (jsonDepth(format.schema) > MAX_TOOL_SCHEMA_DEPTH) {
		throw new InvalidParamError(`response_format.json_schema.schema nests deeper than ${MAX_TOOL_SCHEMA_DEPTH} levels`, 'response_format');
	}
	return toGrammarSchema(format.schema ?? { type: 'object', additionalProperties: true });
}

/**
 * How a prepared chat generates:
 * - `text`: free text, or JSON under `grammar`;
 * - `native`: the model may call `functions` in its own syntax;
 * - `envelope`: the answer is the forced JSON envelope under `grammar` (tool calls, or an answer).
 */
export type PreparedChat = {
	mode: 'text' | 'native' | 'envelope';
	history: ChatHistoryItem[];
	grammar?: LlamaGrammar;
	functions?: ChatModelFunctions;
	parallel: boolean;
	/** JSON answers are closed when `max_tokens` cuts them off. */
	json: boolean;
};

/**
 * The prompt of a chat as the model will see it (its chat template applied), as tokens: the pool
 * leases the free sequence whose state shares the longest prefix with it.
 */
export function chatPromptTokens(prepared: PreparedChat): (model: LlamaModel) => readonly Token[] | null {
	return (model) => {
		// Runs inside the pool's acquire, before the context check: a prompt that may be huge gets no
		// prefix match rather than one long synchronous tokenisation on the main thread.
		const chars = historyTexts(prepared.history).reduce((sum, t) => sum + t.length, 0);
		if (prepared.history.length >= model.trainContextSize || chars > MAX_SYNC_TOKENIZE_CHARS) return null;
		try {
			return renderPrompt(model, prepared);
		} catch {
			return null; // any free sequence then; the generation reports the real error
		}
	};
}

/**
 * Everything in a request that can be refused (400), checked before a model is leased or a stream
 * starts, so a bad request is a 400 and never a 200 stream that ends in an error.
 */
export async function prepareChatRequest(req: ChatRequest): Promise<PreparedChat> {
	const tools = req.tools ?? [];
	checkTools(tools, req.toolChoice ?? 'auto');
	const choice: ToolChoice = tools.length === 0 ? 'none' : (req.toolChoice ?? 'auto');
	// A named function is called once (as OpenAI does); `required` may call several when allowed.
	const parallel = typeof choice === 'object' ? false : (req.parallelToolCalls ?? true);
	const response = responseSchema(req.responseFormat);
	if (choice === 'none') {
		const grammar = response === undefined ? undefined : await createGrammar(response, 'response_format');
		return { mode: 'text', history: req.history, grammar, parallel, json: grammar !== undefined };
	}
	if (choice === 'auto' && response === undefined) {
		// The schemas are checked here, as the forced grammar would be, so a bad one is a 400.
		await createGrammar(envelopeSchema(tools, parallel), 'tools');
		return { mode: 'native', history: req.history, functions: nativeFunctions(tools), parallel, json: false };
	}
	const callable = choice === 'auto' ? tools : forcedTools(tools, choice);
	const withResponse = choice === 'auto';
	const grammar = await createGrammar(envelopeSchema(callable, parallel, withResponse ? response : undefined), 'tools');
	const history = withInstructions(req.history, envelopeInstructions(callable, choice, parallel, withResponse));
	return { mode: 'envelope', history, grammar, parallel, json: true };
}

/** `prepareChatRequest` for a request in OpenAI's chat shape (the profile's system prompt applies when it has none). */
export function prepareChat(req: ChatCompletionRequest, systemPrompt: string): Promise<PreparedChat> {
	return prepareChatRequest(toChatRequest(req, systemPrompt));
}

/** How many tokens the prompt of a chat takes on a model (its chat template, tools included). */
export function countChatTokens(model: LlamaModel, prepared: PreparedChat): number {
	return renderPrompt(model, prepared).length;
}

/** The prompt as generation renders it: the history with the model's turn opened last. */
function renderPrompt(model: LlamaModel, { history, functions }: PreparedChat): Token[] {
	return chatWrapperFor(model)
		.generateContextState({ chatHistory: [...history, { type: 'model', response: [] }], availableFunctions: functions, documentFunctionParams: true })
		.contextText.tokenize(model.tokenizer);
}

/** The texts of a history, for the cheap size checks before tokenising. */
function historyTexts(history: ChatHistoryItem[]): string[] {
	const texts: string[] = [];
	for (const item of history) {
		if (item.type === 'model') {
			for (const part of item.response) {
				if (typeof part === 'string') texts.push(part);
				else if (part.type === 'functionCall') texts.push(JSON.stringify(part.params ?? null), JSON.stringify(part.result ?? null));
			}
		} else texts.push(typeof item.text === 'string' ? item.text : JSON.stringify(item.text));
	}
	return texts;
}

/**
 * Checks that the prompt fits the leased context (400 `context_length_exceeded` otherwise), before
 * anything is generated or streamed. Returns the prompt's token count.
 */
export async function checkPromptFits(lease: Lease, prepared: PreparedChat): Promise<number> {
	return checkChatFits(lease.model, lease.context.contextSize, prepared.history.length, historyTexts(prepared.history), () =>
		renderPrompt(lease.model, prepared)
	);
}

/**
 * One chat completion on a leased sequence. JSON formats are enforced by a grammar during generation;
 * an answer cut off by `max_tokens` is closed so it still parses (finish reason `length`).
 */
export async function runChat(lease: Lease, prepared: PreparedChat, sampling: Sampling, callbacks: ChatCallbacks): Promise<ChatResult> {
	const chat = new LlamaChat({ contextSequence: lease.sequence, chatWrapper: chatWrapperFor(lease.model), autoDisposeSequence: false });
	const usage = meterUsage(lease);
	let reasoning = '';
	const answer = { sink: (text: string) => callbacks.onText?.(text) };
	try {
		const common = {
			...generationOptions(sampling, lease.model),
			signal: callbacks.signal,
			stopOnAbortSignal: true as const,
			onToken: usage.onToken,
			// Segments (a reasoning model's thoughts, gpt-oss' commentary) are reasoning, the rest the answer.
			onResponseChunk: (chunk: LlamaChatResponseChunk) => {
				if (!chunk.text) return;
				if (chunk.type === 'segment') {
					reasoning += chunk.text;
					callbacks.onReasoning?.(chunk.text);
				} else answer.sink(chunk.text);
			}
		};
		const { metadata, ...outcome } =
			prepared.mode === 'envelope'
				? await runEnvelope(chat, prepared, common, callbacks, answer)
				: prepared.mode === 'native'
					? await runNative(chat, prepared, common, callbacks)
					: await runText(chat, prepared, common, callbacks);
		const stopSequence =
			metadata.stopReason === 'customStopTrigger'
				? metadata.customStopTrigger.filter((part): part is string => typeof part === 'string').join('')
				: null;
		return { ...outcome, reasoning, stopSequence, ...usage.read() };
	} catch (err) {
		lease.discardState();
		throw err;
	} finally {
		chat.dispose({ disposeSequence: false });
	}
}
