/**
 * The connections downloads may hold to the Hub at once, shared by every download: a part (or a
 * single-connection transfer) takes a slot before it connects and gives it back when its response
 * ends. Waiters are served first come, first served; an aborted waiter leaves the queue.
 */
export class ConnectionSlots {
	#free: number;
	#waiting: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

	constructor(readonly capacity: number) {
		this.#free = Math.max(1, capacity);
	}

	get inUse(): number {
		return Math.max(1, this.capacity) - this.#free;
	}

	/** Resolves with a release function once a slot is free; rejects with the signal's reason. */
	acquire(signal: AbortSignal): Promise<() => void> {
		if (signal.aborted) return Promise.reject(signal.reason);
		return new Promise((resolve, reject) => {
			const release = once(() => this.#release());
			if (this.#free > 0) {
				this.#free--;
				return resolve(release);
			}
			const waiter = {
				signal,
				grant: () => {
					signal.removeEventListener('abort', waiter.onAbort);
					resolve(release);
				},
				onAbort: () => {
					this.#waiting = this.#waiting.filter((w) => w !== waiter);
					reject(signal.reason);
				}
			};
			signal.addEventListener('abort', waiter.onAbort, { once: true });
			this.#waiting.push(waiter);
		});
	}

	#release(): void {
		const next = this.#waiting.shift();
		if (next) next.grant();
		else this.#free++;
	}
}

function once(fn: () => void): () => void {
	let done = false;
	return () => {
		if (done) return;
		done = true;
		fn();
	};
}
