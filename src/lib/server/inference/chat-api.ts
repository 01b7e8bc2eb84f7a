import { json } from '@sveltejs/kit';
import { readJson } from '../http/parse';
import type { Lease } from '../pool';
import { runChat, type ChatRequest, type ChatResult, type ToolCallDelta } from './chat';
import { runChoices } from './choices';
import { UnsupportedParamError } from './errors';
import { systemFingerprint } from './fingerprint';
import { toHistory } from './history';
import { ChatCompletionRequest, toOpenAiToolCall, usage } from './openai';
import { leaseFor, tokenBiasFor } from './sampling';
import { sseResponse } from './sse';
import { startChat } from './start';
import { textChunks } from './text-chunk';
import type { V1Context } from './v1';

export const V1_BODY_LIMIT = 16 * 1024 * 1024;

/** Refuses what this server cannot honour, naming the parameter (never a silent `null`). */
function refuseUnsupported(req: ChatCompletionRequest): void {
	if (req.logprobs) throw new UnsupportedParamError('logprobs', 'token log probabilities are not available from this server');
	if (req.top_logprobs) throw new UnsupportedParamError('top_logprobs', 'token log probabilities are not available from this server');
}

/** `POST /v1/chat/completions`: OpenAI shapes in and out, generation in `runChat`. */
export async function chatCompletions(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, ChatCompletionRequest, V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	refuseUnsupported(req);
	const { target, prepared, prompt, lease, sampling } = await startChat(ctx, req, (s, l) => tokenBiasFor(s.logitBias, l.model));
	const n = req.n ?? 1;
	const id = `chatcmpl-${ctx.requestId}`;
	const created = Math.floor(Date.now() / 1000);
	const fingerprint = await systemFingerprint(target.modelId);
	const meter = (results: ChatResult[]) => {
		ctx.meter.promptTokens = results[0]?.promptTokens ?? 0;
		ctx.meter.cachedTokens = results.reduce((sum, r) => sum + r.cachedTokens, 0);
		ctx.meter.completionTokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
	};
	type Sinks = { onText?: (t: string) => void; onToolCall?: (d: ToolCallDelta) => void; onReasoning?: (t: string) => void };
	const run = (index: number, l: Lease, callbacks: Sinks) =>
		runChat(l, prepared, sampling.seed === undefined || index === 0 ? sampling : { ...sampling, seed: sampling.seed + index }, {
			signal: ctx.signal,
			onText: (text) => {
				ctx.firstToken();
				callbacks.onText?.(text);
			},
			onToolCall: (delta) => {
				ctx.firstToken();
				callbacks.onToolCall?.(delta);
			},
			onReasoning: (text) => {
				ctx.firstToken();
				callbacks.onReasoning?.(text);
			}
		});
	const more = () => leaseFor(target, ctx.signal, prompt);

	if (!req.stream) {
		const results = await runChoices(n, lease, more, (index, l) => run(index, l, {}));
		meter(results);
		ctx.signal.throwIfAborted();
		return json({
			id,
			object: 'chat.completion',
			created,
			model: req.model,
			system_fingerprint: fingerprint,
			choices: results.map((r, index) => ({ index, message: message(r), logprobs: null, finish_reason: r.finishReason })),
			usage: usage(ctx.meter.promptTokens, ctx.meter.completionTokens, ctx.meter.cachedTokens)
		});
	}

	const includeUsage = req.stream_options?.include_usage === true;
	const base = { id, object: 'chat.completion.chunk', created, model: req.model, system_fingerprint: fingerprint };
	return sseResponse(ctx, async (send) => {
		const after = includeUsage ? { usage: null } : {};
		const chunk = (index: number, delta: object, finish: string | null = null) =>
			send({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }], ...after });
		// Each token's chunk is built around its text (see textChunks): the light path of a stream.
		const content = textChunks(base, (text) => ({ delta: { content: text }, logprobs: null, finish_reason: null }), after);
		for (let index = 0; index < n; index++) chunk(index, { role: 'assistant', content: '' });
		const results = await runChoices(n, lease, more, async (index, l) => {
			const r = await run(index, l, {
				onText: (text) => text && send(content(index, text)),
				onToolCall: (d) => chunk(index, { tool_calls: [toolCallDelta(d)] }),
				onReasoning: (text) => chunk(index, { reasoning_content: text })
			});
			if (!ctx.signal.aborted) chunk(index, {}, r.finishReason);
			return r;
		});
		meter(results);
		if (ctx.signal.aborted) return;
		if (includeUsage) send({ ...base, choices: [], usage: usage(ctx.meter.promptTokens, ctx.meter.completionTokens, ctx.meter.cachedTokens) });
	});
}

/** A tool-call delta in OpenAI's shape: `index`, `id`, `type` and the name first, then argument pieces. */
function toolCallDelta(d: ToolCallDelta) {
	return d.type === 'start'
		? { index: d.index, id: d.id, type: 'function', function: { name: d.name, arguments: '' } }
		: { index: d.index, function: { arguments: d.text } };
}

/** The answer message; a reasoning model's thoughts go in `reasoning_content` (as DeepSeek's API does). */
function message({ text, reasoning, toolCalls }: ChatResult) {
	const thoughts = reasoning ? { reasoning_content: reasoning } : {};
	return toolCalls.length > 0
		? { role: 'assistant', content: text || null, ...thoughts, tool_calls: toolCalls, refusal: null }
		: { role: 'assistant', content: text, ...thoughts, refusal: null };
}
