import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

export type LeaseOutcome = { discardState: boolean; reusedTokens: number };

/**
 * One request's hold on a loaded model: one of its context sequences, with whatever KV state the
 * sequence kept from earlier requests (node-llama-cpp's `LlamaChat` / `LlamaCompletion` evaluate
 * only the part of the prompt the state does not already hold). `release()` is idempotent and also
 * runs when the acquiring request's signal aborts; until then the model cannot be unloaded.
 */
export class Lease {
	#released = false;
	readonly #onRelease: (outcome: LeaseOutcome) => void;
	readonly #signal: AbortSignal | undefined;
	readonly #onAbort = () => this.release();
	#discardState = false;
	#reusedTokens = 0;

	constructor(
		readonly modelId: string,
		readonly model: LlamaModel,
		readonly context: LlamaContext,
		readonly sequence: LlamaContextSequence,
		onRelease: (outcome: LeaseOutcome) => void,
		signal?: AbortSignal
	) {
		this.#onRelease = onRelease;
		this.#signal = signal;
		signal?.addEventListener('abort', this.#onAbort, { once: true });
	}

	get released(): boolean {
		return this.#released;
	}

	/** The sequence's state is not to be reused (the request failed mid-evaluation); it is cleared. */
	discardState(): void {
		this.#discardState = true;
	}

	/** Prompt tokens this request took from the sequence's state instead of evaluating them. */
	reportReusedTokens(tokens: number): void {
		this.#reusedTokens += Math.max(0, Math.floor(tokens));
	}

	release(): void {
		if (this.#released) return;
		this.#released = true;
		this.#signal?.removeEventListener('abort', this.#onAbort);
		this.#onRelease({ discardState: this.#discardState, reusedTokens: this.#reusedTokens });
	}

	[Symbol.dispose](): void {
		this.release();
	}
}

/** `promise`, or the signal's reason as soon as it aborts. */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
	if (!signal) return promise;
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason ?? new Error('aborted'));
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}
