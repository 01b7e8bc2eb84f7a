/**
 * Counts failures per key in a sliding window. `check` says how long to wait (seconds) once `max`
 * failures are inside the window; successes may `reset` a key.
 */
export class RateLimiter {
	readonly #max: number;
	readonly #windowMs: number;
	readonly #now: () => number;
	readonly #failures = new Map<string, number[]>();

	constructor(options: { max: number; windowMs: number; now?: () => number }) {
		this.#max = options.max;
		this.#windowMs = options.windowMs;
		this.#now = options.now ?? Date.now;
	}

	/** Seconds until another attempt is allowed; 0 when allowed now. */
	check(key: string): number {
		const recent = this.#recent(key);
		if (recent.length < this.#max) return 0;
		const oldest = recent[recent.length - this.#max];
		return Math.max(1, Math.ceil((oldest + this.#windowMs - this.#now()) / 1000));
	}

	/** Failures inside the window. */
	count(key: string): number {
		return this.#recent(key).length;
	}

	fail(key: string): void {
		const recent = this.#recent(key);
		recent.push(this.#now());
		this.#failures.set(key, recent);
		if (this.#failures.size > 10_000) this.#prune();
	}

	reset(key: string): void {
		this.#failures.delete(key);
	}

	#recent(key: string): number[] {
		const cutoff = this.#now() - this.#windowMs;
		return (this.#failures.get(key) ?? []).filter((t) => t > cutoff);
	}

	#prune(): void {
		for (const key of this.#failures.keys()) {
			if (this.#recent(key).length === 0) this.#failures.delete(key);
		}
	}
}
