import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { AcquireAbortedError, QueueFullError } from './errors';

type Waiter = { resolve: () => void; reject: (err: unknown) => void; cleanup: () => void };

/**
 * At most `capacity` holders at once (one per context sequence); further takers wait in a bounded
 * FIFO. A slot given back goes straight to the first waiter, so a waiter is never overtaken.
 */
export class SlotQueue {
	#active = 0;
	readonly #waiters: Waiter[] = [];

	constructor(
		readonly capacity: number,
		readonly modelId: string,
		private readonly maxQueue: () => number
	) {}

	get active(): number {
		return this.#active;
	}
	get queued(): number {
		return this.#waiters.length;
	}

	/** Resolves when the caller holds a slot. Full queue → QueueFullError; abort → AcquireAbortedError. */
	take(signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) return Promise.reject(new AcquireAbortedError());
		if (this.#active < this.capacity && this.#waiters.length === 0) {
			this.#active++;
			return Promise.resolve();
		}
		if (this.#waiters.length >= this.maxQueue()) {
			return Promise.reject(new QueueFullError(this.modelId, this.#waiters.length));
		}
		return new Promise<void>((resolve, reject) => {
			const onAbort = () => {
				const index = this.#waiters.indexOf(waiter);
				if (index >= 0) this.#waiters.splice(index, 1);
				reject(new AcquireAbortedError());
			};
			const waiter: Waiter = {
				resolve,
				reject,
				cleanup: () => signal?.removeEventListener('abort', onAbort)
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#waiters.push(waiter);
		});
	}

	/** Gives a slot back: to the first waiter if there is one (the active count stays), else frees it. */
	give(): void {
		const next = this.#waiters.shift();
		if (next) {
			next.cleanup();
			next.resolve();
		} else {
			this.#active = Math.max(0, this.#active - 1);
		}
	}

	rejectAll(err: unknown): void {
		for (const waiter of this.#waiters.splice(0)) {
			waiter.cleanup();
			waiter.reject(err);
		}
	}
}

/**
 * One request's hold on a loaded model: its own context sequence. `release()` is idempotent and
 * also runs when the acquiring request's signal aborts; until then the model cannot be unloaded.
 */
export class Lease {
	#released = false;
	readonly #onRelease: () => void;
	readonly #signal: AbortSignal | undefined;
	readonly #onAbort = () => this.release();

	constructor(
		readonly modelId: string,
		readonly model: LlamaModel,
		readonly context: LlamaContext,
		readonly sequence: LlamaContextSequence,
		onRelease: () => void,
		signal?: AbortSignal
	) {
		this.#onRelease = onRelease;
		this.#signal = signal;
		signal?.addEventListener('abort', this.#onAbort, { once: true });
	}

	get released(): boolean {
		return this.#released;
	}

	release(): void {
		if (this.#released) return;
		this.#released = true;
		this.#signal?.removeEventListener('abort', this.#onAbort);
		try {
			if (!this.sequence.disposed) this.sequence.dispose();
		} finally {
			this.#onRelease();
		}
	}

	[Symbol.dispose](): void {
		this.release();
	}
}
