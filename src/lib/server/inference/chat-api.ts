import { json } from '@sveltejs/kit';
import { readJson } from '../http/parse';
import { chatPromptTokens, prepareChat, runChat } from './chat';
import { ChatCompletionRequest, usage, type FinishReason, type OpenAiToolCall } from './openai';
import { leaseFor, samplingFor } from './sampling';
import { sseResponse } from './sse';
import { resolveTarget } from './target';
import type { V1Context } from './v1';

export const V1_BODY_LIMIT = 16 * 1024 * 1024;

/** `POST /v1/chat/completions`: OpenAI shapes in and out, generation in `runChat`. */
export async function chatCompletions(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, ChatCompletionRequest, V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const target = await resolveTarget(req.model, ctx.caller);
	const system = target.profile?.systemPrompt ?? '';
	const prepared = await prepareChat(req, system);
	const lease = await leaseFor(target, ctx.signal, chatPromptTokens(prepared));
	const sampling = samplingFor(req, target, lease.context.contextSize);
	const id = `chatcmpl-${ctx.requestId}`;
	const created = Math.floor(Date.now() / 1000);
	const base = { id, object: 'chat.completion.chunk', created, model: req.model, system_fingerprint: null };
	const meter = (r: { promptTokens: number; cachedTokens: number; completionTokens: number }) => {
		ctx.meter.promptTokens = r.promptTokens;
		ctx.meter.cachedTokens = r.cachedTokens;
		ctx.meter.completionTokens = r.completionTokens;
	};

	if (!req.stream) {
		try {
			const result = await runChat(lease, prepared, sampling, {
				signal: ctx.signal,
				onText: () => ctx.firstToken(),
				onReasoning: () => ctx.firstToken()
			});
			meter(result);
			ctx.signal.throwIfAborted();
			return json({
				id,
				object: 'chat.completion',
				created,
				model: req.model,
				system_fingerprint: null,
				choices: [{ index: 0, message: message(result), logprobs: null, finish_reason: result.finishReason }],
				usage: usage(result.promptTokens, result.completionTokens, result.cachedTokens)
			});
		} finally {
			lease.release();
		}
	}

	return sseResponse(ctx, async (send) => {
		const chunk = (delta: object, finish: FinishReason | null = null) =>
			send({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
		try {
			chunk({ role: 'assistant', content: '' });
			const result = await runChat(lease, prepared, sampling, {
				signal: ctx.signal,
				onText: (text) => {
					ctx.firstToken();
					if (text) chunk({ content: text });
				},
				onReasoning: (text) => {
					ctx.firstToken();
					chunk({ reasoning_content: text });
				}
			});
			meter(result);
			if (ctx.signal.aborted) return;
			if (result.toolCalls.length > 0) {
				chunk({ tool_calls: result.toolCalls.map((call, index) => ({ index, ...call })) });
			}
			chunk({}, result.finishReason);
			if (req.stream_options?.include_usage) {
				send({ ...base, choices: [], usage: usage(result.promptTokens, result.completionTokens, result.cachedTokens) });
			}
		} finally {
			lease.release();
		}
	});
}

/** The answer message; a reasoning model's thoughts go in `reasoning_content` (as DeepSeek's API does). */
function message({ text, reasoning, toolCalls }: { text: string; reasoning: string; toolCalls: OpenAiToolCall[] }) {
	const thoughts = reasoning ? { reasoning_content: reasoning } : {};
	return toolCalls.length > 0
		? { role: 'assistant', content: text || null, ...thoughts, tool_calls: toolCalls, refusal: null }
		: { role: 'assistant', content: text, ...thoughts, refusal: null };
}
