import { json } from '@sveltejs/kit';
import { readJson } from '../http/parse';
import { V1_BODY_LIMIT } from './chat-api';
import { runChoices } from './choices';
import { checkCompletionPrompt, completionPromptTokens, runCompletion, type CompletionPrompt, type CompletionResult } from './completions';
import { InvalidParamError, UnsupportedParamError } from './errors';
import { systemFingerprint } from './fingerprint';
import { CompletionRequest, MAX_CHOICES, usage } from './openai';
import { leaseFor, samplingFor, tokenBiasFor } from './sampling';
import { sseResponse } from './sse';
import { resolveTarget } from './target';
import { textChunks } from './text-chunk';
import type { V1Context } from './v1';

/** `prompt` as a list: a string, strings, token ids, or lists of token ids. */
function promptsOf(prompt: CompletionRequest['prompt']): CompletionPrompt[] {
	if (typeof prompt === 'string') return [prompt];
	if (prompt.length > 0 && typeof prompt[0] === 'number') return [prompt as number[]];
	return prompt as CompletionPrompt[];
}

/** `POST /v1/completions`: `n` choices per prompt (index = prompt × n + choice), streamed or not. */
export async function completions(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, CompletionRequest, V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	if (req.logprobs) throw new UnsupportedParamError('logprobs', 'token log probabilities are not available from this server');
	const prompts = promptsOf(req.prompt);
	const n = req.n ?? 1;
	if (req.best_of != null && req.best_of !== n) throw new UnsupportedParamError('best_of', 'only best_of equal to n is supported');
	if (prompts.length * n > MAX_CHOICES * 2) {
		throw new InvalidParamError(`prompts × n may be at most ${MAX_CHOICES * 2} choices (asked for ${prompts.length * n})`, 'n');
	}
	const suffix = req.suffix ?? '';
	const target = await resolveTarget(req.model, ctx.caller);
	const lease = await leaseFor(target, ctx.signal, completionPromptTokens(prompts[0], suffix));
	let sampling;
	try {
		sampling = samplingFor(req, target, lease.context.contextSize);
		tokenBiasFor(sampling.logitBias, lease.model);
		for (const [i, p] of prompts.entries()) await checkCompletionPrompt(lease, p, suffix, prompts.length > 1 ? `prompt[${i}]` : 'prompt');
	} catch (err) {
		lease.release();
		throw err;
	}
	const model = lease.model;
	const echoed = (p: CompletionPrompt) => (!req.echo ? '' : typeof p === 'string' ? p : model.detokenize(p as never));
	const id = `cmpl-${ctx.requestId}`;
	const created = Math.floor(Date.now() / 1000);
	const base = { id, object: 'text_completion', created, model: req.model, system_fingerprint: await systemFingerprint(target.modelId) };
	const total = prompts.length * n;
	const meter = (results: CompletionResult[]) => {
		// Each prompt counts once, however many choices it has.
		ctx.meter.promptTokens = results.filter((_, i) => i % n === 0).reduce((sum, r) => sum + r.promptTokens, 0);
		ctx.meter.cachedTokens = results.filter((_, i) => i % n === 0).reduce((sum, r) => sum + r.cachedTokens, 0);
		ctx.meter.completionTokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
	};
	const run = (index: number, l: typeof lease, onText?: (text: string) => void) => {
		const seed = sampling.seed === undefined ? undefined : sampling.seed + (index % n);
		return runCompletion(l, prompts[Math.floor(index / n)], suffix, { ...sampling, seed }, {
			signal: ctx.signal,
			onText: (text) => {
				ctx.firstToken();
				onText?.(text);
			}
		});
	};
	const more = () => leaseFor(target, ctx.signal);

	if (!req.stream) {
		const results = await runChoices(total, lease, more, (index, l) => run(index, l));
		meter(results);
		ctx.signal.throwIfAborted();
		const choices = results.map((r, index) => ({
			index,
			text: echoed(prompts[Math.floor(index / n)]) + r.text,
			logprobs: null,
			finish_reason: r.finishReason
		}));
		return json({ ...base, choices, usage: usage(ctx.meter.promptTokens, ctx.meter.completionTokens, ctx.meter.cachedTokens) });
	}

	const includeUsage = req.stream_options?.include_usage === true;
	return sseResponse(ctx, async (send) => {
		const piece = textChunks(base, (text) => ({ text, logprobs: null, finish_reason: null }));
		const chunk = (index: number, text: string, finish: string | null = null) =>
			send(finish === null ? piece(index, text) : { ...base, choices: [{ index, text, logprobs: null, finish_reason: finish }] });
		const results = await runChoices(total, lease, more, async (index, l) => {
			const echo = echoed(prompts[Math.floor(index / n)]);
			if (echo) chunk(index, echo);
			const r = await run(index, l, (text) => text && chunk(index, text));
			if (!ctx.signal.aborted) chunk(index, '', r.finishReason);
			return r;
		});
		meter(results);
		if (ctx.signal.aborted) return;
		if (includeUsage) send({ ...base, choices: [], usage: usage(ctx.meter.promptTokens, ctx.meter.completionTokens, ctx.meter.cachedTokens) });
	});
}
