import { LlamaCompletion, type LlamaModel, type Token } from 'node-llama-cpp';
import type { Lease } from '../pool';
import type { FinishReason } from './openai';
import { generationOptions, type Sampling } from './sampling';
import { meterUsage } from './usage';

export type CompletionResult = {
	text: string;
	finishReason: FinishReason;
	promptTokens: number;
	cachedTokens: number;
	completionTokens: number;
};

/** A raw prompt as the model will see it (a beginning-of-text token first when the model wants one). */
export function completionPromptTokens(prompt: string): (model: LlamaModel) => readonly Token[] | null {
	return (model) => {
		const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
		const tokens = model.tokenize(prompt, false, bos != null ? 'trimLeadingSpace' : undefined);
		return bos != null ? [bos, ...tokens] : tokens;
	};
}

/** A raw text completion on a leased sequence (no chat template). */
export async function runCompletion(
	lease: Lease,
	prompt: string,
	sampling: Sampling,
	callbacks: { signal: AbortSignal; onText?: (text: string) => void }
): Promise<CompletionResult> {
	const completion = new LlamaCompletion({ contextSequence: lease.sequence, autoDisposeSequence: false });
	const usage = meterUsage(lease);
	try {
		const result = await completion.generateCompletionWithMeta(prompt, {
			...generationOptions(sampling),
			signal: callbacks.signal,
			stopOnAbortSignal: true,
			onToken: usage.onToken,
			onTextChunk: (text) => callbacks.onText?.(text)
		});
		return {
			text: result.response,
			finishReason: result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
			...usage.read()
		};
	} catch (err) {
		lease.discardState();
		throw err;
	} finally {
		completion.dispose({ disposeSequence: false });
	}
}
