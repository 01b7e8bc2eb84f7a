import { observeQueueWait } from '../metrics/requests';
import { TokenBias, type LlamaModel, type Token } from 'node-llama-cpp';
import { InvalidParamError } from './errors';
import { getPool, type Lease } from '../pool';
import type { Target } from './target';

/** Request sampling fields over the profile's defaults, in node-llama-cpp's terms. */
export type Sampling = {
	maxTokens: number;
	temperature: number;
	topP: number;
	topK: number;
	minP: number;
	repeatPenalty: number | null;
	frequencyPenalty: number;
	presencePenalty: number;
	seed: number | undefined;
	stop: string[];
	/** OpenAI `logit_bias`: token id → bias added to its logit (−100 bans it). */
	logitBias: Record<string, number> | null;
	/** Most tokens a reasoning model may think for; 0 = no thinking; undefined = node-llama-cpp's default. */
	thoughtTokens: number | undefined;
};

/** OpenAI's `reasoning_effort` values. */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

/** Share of `max_tokens` a reasoning model may spend thinking, by effort. */
const EFFORT_SHARE: Record<ReasoningEffort, number> = { none: 0, minimal: 0.1, low: 0.25, medium: 0.5, high: 0.75, xhigh: 0.9 };

/** The thought budget of an effort: a share of the answer's token limit. */
export function thoughtBudgetFor(effort: ReasoningEffort | null | undefined, maxTokens: number): number | undefined {
	if (!effort) return undefined;
	return Math.floor(maxTokens * EFFORT_SHARE[effort]);
}

type SamplingRequest = {
	max_tokens?: number | null;
	max_completion_tokens?: number | null;
	temperature?: number | null;
	top_p?: number | null;
	top_k?: number | null;
	min_p?: number | null;
	repeat_penalty?: number | null;
	frequency_penalty?: number | null;
	presence_penalty?: number | null;
	seed?: number | null;
	stop?: string | string[] | null;
	logit_bias?: Record<string, number> | null;
	reasoning_effort?: ReasoningEffort | null;
};

/** Defaults of a bare model (no profile): the profile defaults of SPEC §4. */
const BARE = { maxTokens: 4096, temperature: 0.7, topP: 1, topK: 40, minP: 0.05, repeatPenalty: 1.1 };

export function samplingFor(req: SamplingRequest, target: Target, contextSize: number): Sampling {
	const p = target.profile;
	const requested = req.max_completion_tokens ?? req.max_tokens ?? p?.maxTokens ?? BARE.maxTokens;
	const repeat = req.repeat_penalty ?? p?.repeatPenalty ?? BARE.repeatPenalty;
	// Never more than one context window: a longer answer would only shift the context forever.
	const maxTokens = Math.max(1, Math.min(requested, contextSize));
	return {
		maxTokens,
		thoughtTokens: thoughtBudgetFor(req.reasoning_effort, maxTokens),
		temperature: req.temperature ?? p?.temperature ?? BARE.temperature,
		topP: req.top_p ?? p?.topP ?? BARE.topP,
		topK: req.top_k ?? p?.topK ?? BARE.topK,
		minP: req.min_p ?? p?.minP ?? BARE.minP,
		repeatPenalty: repeat > 0 && repeat !== 1 ? repeat : null,
		frequencyPenalty: req.frequency_penalty ?? 0,
		presencePenalty: req.presence_penalty ?? 0,
		seed: req.seed ?? undefined,
		stop: req.stop == null ? [] : (Array.isArray(req.stop) ? req.stop : [req.stop]).filter((s) => s !== ''),
		logitBias: req.logit_bias && Object.keys(req.logit_bias).length > 0 ? req.logit_bias : null
	};
}

/** The vocabulary size of a loaded model, from its GGUF metadata. */
function vocabularySize(model: LlamaModel): number {
	const tokens = model.fileInfo.metadata.tokenizer?.ggml?.tokens;
	return Array.isArray(tokens) ? tokens.length : Number.MAX_SAFE_INTEGER;
}

/** `logit_bias` as a node-llama-cpp token bias; a token id outside the vocabulary is a 400. */
export function tokenBiasFor(bias: Record<string, number> | null, model: LlamaModel): TokenBias | undefined {
	if (!bias) return undefined;
	const size = vocabularySize(model);
	const out = new TokenBias(model.tokenizer);
	for (const [key, value] of Object.entries(bias)) {
		const token = Number(key);
		if (!Number.isInteger(token) || token < 0 || token >= size) {
			throw new InvalidParamError(`logit_bias: ${key} is not a token id of this model (0 to ${size - 1})`, 'logit_bias');
		}
		out.set(token as never, value <= -100 ? 'never' : { logit: value });
	}
	return out;
}

/** node-llama-cpp generation options for a sampling (with the model, `logit_bias` applies). */
export function generationOptions(s: Sampling, model?: LlamaModel) {
	return {
		tokenBias: model ? tokenBiasFor(s.logitBias, model) : undefined,
		maxTokens: s.maxTokens,
		temperature: s.temperature,
		topP: s.topP,
		topK: s.topK,
		minP: s.minP,
		seed: s.seed,
		repeatPenalty:
			s.repeatPenalty === null && s.frequencyPenalty === 0 && s.presencePenalty === 0
				? (false as const)
				: {
						penalty: s.repeatPenalty ?? undefined,
						frequencyPenalty: s.frequencyPenalty || undefined,
						presencePenalty: s.presencePenalty || undefined
					},
		customStopTriggers: s.stop.length > 0 ? s.stop : undefined,
		budgets: s.thoughtTokens === undefined ? undefined : { thoughtTokens: s.thoughtTokens }
	};
}

/**
 * A lease for one request, on the free sequence whose state shares the longest prefix with `prompt`
 * (its tokens, computed once the model is loaded). The client's signal only covers the wait (load, queue): once generation
 * runs, an abort stops the generation and the caller releases the lease in its `finally`, so a
 * sequence is never disposed under a running decode.
 */
export async function leaseFor(
	target: Target,
	signal: AbortSignal,
	prompt?: (model: LlamaModel) => readonly Token[] | null
): Promise<Lease> {
	const waiting = new AbortController();
	const stop = () => waiting.abort(signal.reason);
	signal.addEventListener('abort', stop, { once: true });
	const startedAt = performance.now();
	try {
		const lease = await getPool().acquire(target.modelId, { ...target.load, signal: waiting.signal, prompt });
		observeQueueWait(target.modelId, (performance.now() - startedAt) / 1000);
		return lease;
	} finally {
		signal.removeEventListener('abort', stop);
	}
}
