import { LlamaCompletion, type LlamaModel, type Token } from 'node-llama-cpp';
import type { Lease } from '../pool';
import type { FinishReason } from './chat';
import { checkTextFits, ContextLengthExceededError, MAX_SYNC_TOKENIZE_CHARS, overflowMessage } from './context-fit';
import { InvalidParamError, UnsupportedParamError } from './errors';
import { generationOptions, type Sampling } from './sampling';
import { meterUsage } from './usage';

export type CompletionResult = {
	text: string;
	finishReason: FinishReason;
	promptTokens: number;
	cachedTokens: number;
	completionTokens: number;
};

/**
 * A raw prompt as the model will see it (a beginning-of-text token first when the model wants one),
 * for the pool's prefix match. Token prompts, infill and long prompts (see `MAX_SYNC_TOKENIZE_CHARS`)
 * get none.
 */
export function completionPromptTokens(prompt: CompletionPrompt, suffix: string): (model: LlamaModel) => readonly Token[] | null {
	return (model) => {
		if (typeof prompt !== 'string' || suffix || prompt.length > MAX_SYNC_TOKENIZE_CHARS) return null;
		const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
		const tokens = model.tokenize(prompt, false, bos != null ? 'trimLeadingSpace' : undefined);
		return bos != null ? [bos, ...tokens] : tokens;
	};
}

/** A prompt as text or as token ids (OpenAI accepts both). */
export type CompletionPrompt = string | number[];

/** Whether a model can fill in the middle (it has FIM prefix and suffix tokens). */
export function supportsInfill(model: LlamaModel): boolean {
	return model.tokens.infill.prefix != null && model.tokens.infill.suffix != null;
}

function vocabularySize(model: LlamaModel): number {
	return model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? Number.MAX_SAFE_INTEGER;
}

/**
 * Checks one prompt (and suffix) against the leased model before anything is generated: token ids
 * inside the vocabulary, FIM available when a suffix is given, and the prompt fits the context.
 */
export async function checkCompletionPrompt(lease: Lease, prompt: CompletionPrompt, suffix: string, param: string): Promise<void> {
	const model = lease.model;
	const limit = lease.context.contextSize - 2;
	if (suffix && !supportsInfill(model)) throw new UnsupportedParamError('suffix', 'this model has no fill-in-the-middle tokens');
	let count: number;
	if (typeof prompt === 'string') count = (await checkTextFits(model, limit, prompt, param)).length;
	else {
		const size = vocabularySize(model);
		const bad = prompt.find((t) => t >= size);
		if (bad !== undefined) throw new InvalidParamError(`${param}: ${bad} is not a token id of this model (0 to ${size - 1})`, param);
		count = prompt.length;
	}
	if (suffix) count += (await checkTextFits(model, limit, suffix, 'suffix', 'suffix')).length;
	if (count > limit) throw new ContextLengthExceededError(overflowMessage(lease.context.contextSize, count, 'prompt'), param);
}

/** A raw text completion on a leased sequence (no chat template); with a suffix, fill-in-the-middle. */
export async function runCompletion(
	lease: Lease,
	prompt: CompletionPrompt,
	suffix: string,
	sampling: Sampling,
	callbacks: { signal: AbortSignal; onText?: (text: string) => void }
): Promise<CompletionResult> {
	const completion = new LlamaCompletion({ contextSequence: lease.sequence, autoDisposeSequence: false });
	const usage = meterUsage(lease);
	const input = typeof prompt === 'string' ? prompt : (prompt as Token[]);
	try {
		const options = {
			...generationOptions(sampling, lease.model),
			signal: callbacks.signal,
			stopOnAbortSignal: true,
			onToken: usage.onToken,
			onTextChunk: (text: string) => callbacks.onText?.(text)
		};
		const result = suffix
			? await completion.generateInfillCompletionWithMeta(input, suffix, options)
			: await completion.generateCompletionWithMeta(input, options);
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
