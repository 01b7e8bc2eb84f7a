import type { Lease } from '../pool';

/**
 * Token usage of one generation on a leased sequence. `prompt_tokens` is the prompt as evaluated before
 * the first generated token: when generation runs past the context, llama.cpp shifts the context and
 * evaluates part of it again, which the sequence's meter also counts as input.
 */
export function meterUsage(lease: Lease) {
	const meter = lease.sequence.tokenMeter;
	const before = { input: meter.usedInputTokens, output: meter.usedOutputTokens };
	let promptAtFirstToken: number | null = null;
	return {
		/** Pass as the generation's `onToken`. */
		onToken: () => {
			promptAtFirstToken ??= meter.usedInputTokens - before.input;
		},
		read: () => ({
			promptTokens: promptAtFirstToken ?? meter.usedInputTokens - before.input,
			completionTokens: meter.usedOutputTokens - before.output
		})
	};
}
