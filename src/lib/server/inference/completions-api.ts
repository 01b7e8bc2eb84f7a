import { json } from '@sveltejs/kit';
import { BadRequestError } from '../http/errors';
import { readJson } from '../http/parse';
import { V1_BODY_LIMIT } from './chat-api';
import { completionPromptTokens, runCompletion } from './completions';
import { CompletionRequest, usage } from './openai';
import { leaseFor, samplingFor } from './sampling';
import { sseResponse } from './sse';
import { resolveTarget } from './target';
import type { V1Context } from './v1';

/** `POST /v1/completions`: one choice per prompt (a streamed request takes one prompt). */
export async function completions(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, CompletionRequest, V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const prompts = Array.isArray(req.prompt) ? req.prompt : [req.prompt];
	if (req.stream && prompts.length > 1) throw new BadRequestError('A streamed completion takes a single prompt', 'invalid_request_error');
	const target = await resolveTarget(req.model, ctx.caller);
	const lease = await leaseFor(target, ctx.signal, completionPromptTokens(prompts[0]));
	const sampling = samplingFor(req, target, lease.context.contextSize);
	const id = `cmpl-${ctx.requestId}`;
	const created = Math.floor(Date.now() / 1000);
	const base = { id, object: 'text_completion', created, model: req.model, system_fingerprint: null };

	if (!req.stream) {
		try {
			const choices = [];
			for (const [index, prompt] of prompts.entries()) {
				const r = await runCompletion(lease, prompt, sampling, { signal: ctx.signal, onText: () => ctx.firstToken() });
				ctx.meter.promptTokens += r.promptTokens;
				ctx.meter.cachedTokens += r.cachedTokens;
				ctx.meter.completionTokens += r.completionTokens;
				ctx.signal.throwIfAborted();
				choices.push({ index, text: (req.echo ? prompt : '') + r.text, logprobs: null, finish_reason: r.finishReason });
			}
			return json({ ...base, choices, usage: usage(ctx.meter.promptTokens, ctx.meter.completionTokens, ctx.meter.cachedTokens) });
		} finally {
			lease.release();
		}
	}

	return sseResponse(ctx, async (send) => {
		const chunk = (text: string, finish: string | null = null) =>
			send({ ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] });
		try {
			if (req.echo) chunk(prompts[0]);
			const r = await runCompletion(lease, prompts[0], sampling, {
				signal: ctx.signal,
				onText: (text) => {
					ctx.firstToken();
					if (text) chunk(text);
				}
			});
			ctx.meter.promptTokens = r.promptTokens;
			ctx.meter.cachedTokens = r.cachedTokens;
			ctx.meter.completionTokens = r.completionTokens;
			if (ctx.signal.aborted) return;
			chunk('', r.finishReason);
			if (req.stream_options?.include_usage) send({ ...base, choices: [], usage: usage(r.promptTokens, r.completionTokens, r.cachedTokens) });
		} finally {
			lease.release();
		}
	});
}
