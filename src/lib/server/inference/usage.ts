import type { Lease } from '../pool';

/**
 * Token usage of one generation on a leased sequence. The sequence may already hold the start of the
 * prompt from an earlier request (its KV state is kept); node-llama-cpp then evaluates only the rest.
 * At the first generated token the sequence holds the whole prompt: `prompt_tokens` is that length,
 * `cached_tokens` the part that was not evaluated. When generation runs past the context, llama.cpp
 * shifts the context and evaluates part of it again, which the sequence's meter also counts as input,
 * so the prompt is read once, at the first token.
 */
export function meterUsage(lease: Lease) {
	const sequence = lease.sequence;
	const meter = sequence.tokenMeter;
	const before = { input: meter.usedInputTokens, output: meter.usedOutputTokens };
	let atFirstToken: { prompt: number; cached: number } | null = null;
	// The prompt's last token is decoded with logits, which node-llama-cpp meters as output.
	const evaluated = () => meter.usedInputTokens - before.input + (meter.usedOutputTokens - before.output);
	return {
		/** Pass as the generation's `onToken`. */
		onToken: () => {
			if (atFirstToken) return;
			const inContext = sequence.nextTokenIndex;
			const prompt = Math.max(evaluated(), inContext);
			atFirstToken = { prompt, cached: prompt - evaluated() };
			lease.reportReusedTokens(atFirstToken.cached);
		},
		read: () => ({
			promptTokens: atFirstToken?.prompt ?? meter.usedInputTokens - before.input,
			cachedTokens: atFirstToken?.cached ?? 0,
			completionTokens: meter.usedOutputTokens - before.output
		})
	};
}
