import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { AcquireAbortedError, QueueFullError } from './errors';

/** One context sequence of an entry, kept with its KV state between requests. */
export type Slot = {
	sequence: LlamaContextSequence;
	/** When it was last given back (least recently used breaks ties between equal prefixes). */
	lastUsed: number;
	/** Pending work before the next holder may use it (clearing a state left by a failed request). */
	ready: Promise<void>;
};

/** How a taker chooses among free slots: the index of the one it wants. */
export type Pick = (free: readonly Slot[]) => number;

type Waiter = { pick: Pick; since: number; resolve: (slot: Slot) => void; reject: (err: unknown) => void; cleanup: () => void };

const RECENT = 32;

/**
 * The sequences of one loaded model and the FIFO of requests waiting for one.
 *
 * Invariants (each method runs without `await`, so each is atomic):
 * - S1 a slot is either in `#free` or held by exactly one lease; it is never disposed while the
 *   entry lives, so "free" means free at once (no asynchronous id reclaim, unlike `dispose()`).
 * - S2 FIFO: a waiter is never overtaken. A newcomer takes a free slot only when nobody waits, and a
 *   slot given back goes straight to the first waiter.
 * - S3 the taker picks among the free slots (the longest shared prompt prefix); with waiters there is
 *   only ever the one slot just given back, so picking never reorders the queue.
 * - S4 the queue is bounded: one more than `maxQueue` waiting → `QueueFullError` (429).
 */
export class SequenceQueue {
	readonly #free: Slot[] = [];
	readonly #waiters: Waiter[] = [];
	readonly #recentWaits: number[] = [];
	readonly #holdMs: number[] = [];
	#size = 0;
	#queuedTotal = 0;

	constructor(
		readonly modelId: string,
		private readonly maxQueue: () => number
	) {}

	/** Adds the entry's sequences once it is loaded. */
	fill(sequences: LlamaContextSequence[]): void {
		for (const sequence of sequences) this.#free.push({ sequence, lastUsed: 0, ready: Promise.resolve() });
		this.#size += sequences.length;
	}

	get size(): number {
		return this.#size;
	}
	get active(): number {
		return this.#size - this.#free.length;
	}
	get queued(): number {
		return this.#waiters.length;
	}
	get queuedTotal(): number {
		return this.#queuedTotal;
	}
	/** How long the first waiter has waited so far, ms. */
	get oldestWaitMs(): number {
		const first = this.#waiters[0];
		return first ? Math.round(performance.now() - first.since) : 0;
	}
	/** Mean wait of the last requests served, ms. */
	get avgWaitMs(): number {
		const w = this.#recentWaits;
		return w.length === 0 ? 0 : Math.round(w.reduce((a, b) => a + b, 0) / w.length);
	}

	/** Seconds a client refused with 429 should wait: the queue ahead of it at the recent pace. */
	retryAfterSeconds(): number {
		const hold = this.#holdMs.length === 0 ? 1000 : this.#holdMs.reduce((a, b) => a + b, 0) / this.#holdMs.length;
		const rounds = (this.#waiters.length + 1) / Math.max(1, this.#size);
		return Math.max(1, Math.min(60, Math.ceil((hold * rounds) / 1000)));
	}

	/** Resolves with a slot the caller now holds. Full queue → QueueFullError; abort → AcquireAbortedError. */
	take(pick: Pick, signal?: AbortSignal): Promise<Slot> {
		if (signal?.aborted) return Promise.reject(new AcquireAbortedError());
		if (this.#free.length > 0 && this.#waiters.length === 0) {
			this.#noteWait(0);
			return Promise.resolve(this.#takeFree(pick));
		}
		if (this.#waiters.length >= this.maxQueue()) {
			return Promise.reject(new QueueFullError(this.modelId, this.#waiters.length, this.retryAfterSeconds()));
		}
		this.#queuedTotal++;
		return new Promise<Slot>((resolve, reject) => {
			const onAbort = () => {
				const index = this.#waiters.indexOf(waiter);
				if (index >= 0) this.#waiters.splice(index, 1);
				reject(new AcquireAbortedError());
			};
			const waiter: Waiter = {
				pick,
				since: performance.now(),
				resolve,
				reject,
				cleanup: () => signal?.removeEventListener('abort', onAbort)
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#waiters.push(waiter);
		});
	}

	/** Gives a slot back after `heldMs`: to the first waiter if there is one (S2), else to the free list. */
	give(slot: Slot, heldMs: number): void {
		slot.lastUsed = performance.now();
		this.#holdMs.push(heldMs);
		if (this.#holdMs.length > RECENT) this.#holdMs.shift();
		this.#free.push(slot);
		const next = this.#waiters.shift();
		if (!next) return;
		next.cleanup();
		this.#noteWait(performance.now() - next.since);
		next.resolve(this.#takeFree(next.pick));
	}

	rejectAll(err: unknown): void {
		for (const waiter of this.#waiters.splice(0)) {
			waiter.cleanup();
			waiter.reject(err);
		}
	}

	/** Every slot, free or held (for disposal with the entry). */
	get freeSlots(): readonly Slot[] {
		return this.#free;
	}

	#takeFree(pick: Pick): Slot {
		const index = this.#free.length === 1 ? 0 : pick(this.#free);
		const safe = index >= 0 && index < this.#free.length ? index : 0;
		return this.#free.splice(safe, 1)[0];
	}

	#noteWait(ms: number): void {
		this.#recentWaits.push(ms);
		if (this.#recentWaits.length > RECENT) this.#recentWaits.shift();
	}
}

/** Picks the least recently used free slot (no prompt to compare). */
export const pickLeastRecent: Pick = (free) => {
	let best = 0;
	for (let i = 1; i < free.length; i++) if (free[i].lastUsed < free[best].lastUsed) best = i;
	return best;
};

/** Tokens of `tokens` already in a sequence's KV state, from the start (llama-server's `cache_prompt`). */
export function sharedPrefix(sequence: LlamaContextSequence, tokens: readonly Token[]): number {
	if (typeof sequence.compareContextTokens !== 'function') return 0;
	return Math.min(sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex, tokens.length);
}

/** Picks the free slot sharing the longest prefix with `tokens`; ties go to the least recently used. */
export function pickLongestPrefix(tokens: readonly Token[]): Pick {
	return (free) => {
		let best = 0;
		let bestLength = -1;
		for (let i = 0; i < free.length; i++) {
			const length = sharedPrefix(free[i].sequence, tokens);
			if (length > bestLength || (length === bestLength && free[i].lastUsed < free[best].lastUsed)) {
				best = i;
				bestLength = length;
			}
		}
		return best;
	};
}
