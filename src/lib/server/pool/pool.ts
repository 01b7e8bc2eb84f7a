import { AppError } from '../http/errors';
import { ModelLoadError, PoolClosedError } from './errors';
import { createEntry, entryBytes, isEvictable, toStatus, type Entry } from './entry';
import { planAdmission } from './admission';
import { Lease } from './lease';
import {
	DEFAULT_LOAD_OPTIONS,
	type LoadFailure,
	type LoadOptions,
	type ModelLoader,
	type ModelStatus,
	type PoolEvent,
	type PoolLimits,
	type PoolStatus
} from './types';

export type AcquireOptions = Partial<LoadOptions> & { signal?: AbortSignal };

/**
 * The process-wide model pool, after ollama's scheduler (server/sched.go): leases with reference
 * counts, single-flight loads, eviction of idle least-recently-used models, keep-alive timers.
 *
 * Concurrency model and invariants (JavaScript runs one callback at a time, so a "lock" is a stretch
 * of code without `await`; the order in which they are taken is: admission → entry → slot queue):
 * - I1 single flight: an id has at most one entry in `#entries`, created synchronously together with
 *   its one load promise; every caller awaits that promise and gets its model or its error.
 * - I2 admission is atomic: the memory check, the choice of victims, their removal from `#entries`
 *   and the new entry's reservation happen in one synchronous section (`#admit`), so two loads can
 *   never both count the same free bytes. Loads await every pending dispose before loading.
 * - I3 `entry.refs` counts callers waiting for the load, waiting for a slot, or holding a lease;
 *   refs > 0 ⇒ the entry is neither evicted nor unloaded (an explicit unload waits: `draining`).
 * - I4 a keep-alive timer exists only while refs = 0 and the entry is ready; taking a ref clears it.
 * - I5 pinned entries are never chosen by eviction or keep-alive.
 * - I6 a failed load removes its entry and records the failure; the pool stays usable.
 */
export class ModelPool {
	readonly #loader: ModelLoader;
	readonly #resolveFile: (id: string) => string;
	readonly #entries = new Map<string, Entry>();
	readonly #disposing = new Set<Promise<void>>();
	readonly #failures = new Map<string, LoadFailure>();
	readonly #listeners = new Set<(event: PoolEvent) => void>();
	#limits: PoolLimits;
	#closed = false;
	#clock = 0;

	constructor(options: { loader: ModelLoader; limits: PoolLimits; resolveFile?: (id: string) => string }) {
		this.#loader = options.loader;
		this.#limits = { ...options.limits };
		this.#resolveFile = options.resolveFile ?? ((id) => id);
	}

	/** Loads a model (once, however many callers ask) and leaves it idle under its keep-alive. */
	async load(id: string, options: Partial<LoadOptions> = {}): Promise<ModelStatus> {
		const entry = await this.#entryFor(id, options);
		entry.refs++;
		this.#cancelIdle(entry);
		try {
			await entry.ready;
			if (options.pinned) entry.options.pinned = true;
			if (options.keepAliveMs !== undefined) entry.options.keepAliveMs = options.keepAliveMs;
			if (options.profileId) entry.options.profileId ??= options.profileId;
			return toStatus(entry, this.#limits);
		} finally {
			entry.refs--;
			this.#settleIdle(entry);
		}
	}

	/** A lease on one context sequence of the model, loading it when needed; waits while all are busy. */
	async acquire(id: string, options: AcquireOptions = {}): Promise<Lease> {
		const { signal, ...load } = options;
		signal?.throwIfAborted();
		const entry = await this.#entryFor(id, load);
		entry.refs++;
		this.#cancelIdle(entry);
		let holdsSlot = false;
		try {
			await abortable(entry.ready, signal);
			await entry.slots.take(signal);
			holdsSlot = true;
			const backend = entry.backend!;
			const lease = new Lease(id, backend.model, backend.context, backend.getSequence(), () => this.#release(entry), signal);
			entry.lastUsed = this.#now();
			this.#emit({ type: 'lease', id });
			return lease;
		} catch (err) {
			if (holdsSlot) entry.slots.give();
			entry.refs--;
			this.#settleIdle(entry);
			throw err;
		}
	}

	/**
	 * Unloads a model. With requests in flight it stops taking new ones and unloads when the last
	 * lease is released. Resolves false when the model was not loaded.
	 */
	async unload(id: string): Promise<boolean> {
		const entry = this.#entries.get(id);
		if (!entry) return false;
		if (entry.state === 'loading') {
			try {
				await entry.ready;
			} catch {
				return false;
			}
		}
		if (this.#entries.get(id) !== entry) return true;
		entry.draining = true;
		if (entry.refs === 0) await this.#startUnload(entry);
		else await entry.unloaded.promise;
		return true;
	}

	/** Marks a loaded model pinned (never evicted) or not, and re-arms its keep-alive. */
	setPinned(id: string, pinned: boolean): void {
		const entry = this.#entries.get(id);
		if (!entry) return;
		entry.options.pinned = pinned;
		this.#settleIdle(entry);
		this.#emit({ type: 'limits' });
	}

	getLoadedModel(id: string) {
		const entry = this.#entries.get(id);
		return entry?.state === 'ready' ? entry.backend!.model : null;
	}

	isLoaded(id: string): boolean {
		return this.#entries.has(id);
	}

	listLoaded(): ModelStatus[] {
		return [...this.#entries.values()].filter((e) => e.state === 'ready').map((e) => toStatus(e, this.#limits));
	}

	status(): PoolStatus {
		const models = [...this.#entries.values()].map((e) => toStatus(e, this.#limits));
		return {
			limits: { ...this.#limits },
			usedBytes: models.reduce((sum, m) => sum + m.memoryBytes, 0),
			models,
			failures: [...this.#failures.values()]
		};
	}

	/** The last load failure of a model, cleared by its next successful load. */
	lastFailure(id: string): LoadFailure | null {
		return this.#failures.get(id) ?? null;
	}

	get limits(): PoolLimits {
		return { ...this.#limits };
	}

	/** New limits apply at once: idle models over the new limits are evicted, keep-alive timers re-armed. */
	setLimits(limits: Partial<PoolLimits>): void {
		this.#limits = { ...this.#limits, ...limits };
		const idle = [...this.#entries.values()].filter(isEvictable).sort((a, b) => a.lastUsed - b.lastUsed);
		const over = () => this.#entries.size > this.#limits.maxModels || this.#usedBytes() > this.#limits.memoryLimitBytes;
		while (over() && idle.length > 0) void this.#startUnload(idle.shift()!);
		for (const entry of this.#entries.values()) this.#settleIdle(entry);
		this.#emit({ type: 'limits' });
	}

	onChange(listener: (event: PoolEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Refuses new work, fails waiters and disposes every model. */
	async shutdown(): Promise<void> {
		this.#closed = true;
		const entries = [...this.#entries.values()];
		for (const entry of entries) {
			entry.slots.rejectAll(new PoolClosedError());
			if (entry.state === 'ready') void this.#startUnload(entry);
		}
		await Promise.allSettled(entries.map((e) => e.ready));
		await Promise.allSettled([...this.#disposing]);
	}

	async #entryFor(id: string, options: Partial<LoadOptions>): Promise<Entry> {
		if (this.#closed) throw new PoolClosedError();
		let entry = this.#entries.get(id);
		while (entry?.draining) {
			await entry.unloaded.promise;
			entry = this.#entries.get(id);
		}
		if (this.#closed) throw new PoolClosedError();
		if (entry) return entry;
		const file = this.#resolveFile(id);
		const created = createEntry(id, file, { ...DEFAULT_LOAD_OPTIONS, ...options }, () => this.#limits.maxQueue);
		this.#entries.set(id, created);
		created.ready = this.#load(created);
		created.ready.catch(() => {});
		this.#emit({ type: 'loading', id });
		return created;
	}

	async #load(entry: Entry): Promise<void> {
		const started = performance.now();
		try {
			await Promise.allSettled([...this.#disposing]);
			const estimate = await this.#loader.estimate(entry.file, entry.options);
			if (this.#entries.get(entry.id) !== entry) throw new PoolClosedError();
			this.#admit(entry, estimate.bytes);
			entry.estimate = estimate;
			await Promise.allSettled([...this.#disposing]);
			const backend = await this.#loader.load(entry.file, entry.options, estimate);
			if (this.#closed || this.#entries.get(entry.id) !== entry) {
				await backend.dispose();
				throw new PoolClosedError();
			}
			entry.backend = backend;
			entry.state = 'ready';
			entry.loadedAt = entry.lastUsed = this.#now();
			entry.loadMs = Math.round(performance.now() - started);
			this.#failures.delete(entry.id);
			this.#emit({ type: 'loaded', id: entry.id });
		} catch (err) {
			if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
			const error = err instanceof AppError ? err : new ModelLoadError(entry.id, err instanceof Error ? err.message : String(err));
			if (!(error instanceof PoolClosedError)) {
				this.#failures.set(entry.id, { id: entry.id, profileId: entry.options.profileId, message: error.message, at: new Date() });
			}
			entry.unloaded.resolve();
			this.#emit({ type: 'load_failed', id: entry.id, message: error.message });
			throw error;
		}
		this.#settleIdle(entry);
	}

	/** I2: one synchronous section from the check to the reservation. Throws when nothing can make room. */
	#admit(entry: Entry, bytes: number): void {
		const others = [...this.#entries.values()].filter((e) => e !== entry);
		const victims = planAdmission(entry.id, bytes, others, this.#limits);
		for (const victim of victims) void this.#startUnload(victim);
	}

	#release(entry: Entry): void {
		entry.slots.give();
		entry.refs--;
		entry.lastUsed = this.#now();
		this.#emit({ type: 'release', id: entry.id });
		this.#settleIdle(entry);
	}

	#cancelIdle(entry: Entry): void {
		if (entry.timer) clearTimeout(entry.timer);
		entry.timer = null;
		entry.expiresAt = null;
	}

	/** I4: arms the keep-alive of an idle ready entry (or unloads it now: keep-alive 0, or draining). */
	#settleIdle(entry: Entry): void {
		this.#cancelIdle(entry);
		if (entry.refs > 0 || entry.state !== 'ready' || this.#entries.get(entry.id) !== entry) return;
		if (entry.draining) return void this.#startUnload(entry);
		if (entry.options.pinned) return;
		const keepAlive = entry.options.keepAliveMs ?? this.#limits.keepAliveMs;
		if (keepAlive < 0) return;
		if (keepAlive === 0) return void this.#startUnload(entry);
		entry.expiresAt = Date.now() + keepAlive;
		entry.timer = setTimeout(() => {
			entry.timer = null;
			if (entry.refs === 0 && this.#entries.get(entry.id) === entry) void this.#startUnload(entry);
		}, keepAlive);
		entry.timer.unref?.();
	}

	#startUnload(entry: Entry): Promise<void> {
		this.#cancelIdle(entry);
		if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
		entry.state = 'unloading';
		const backend = entry.backend;
		const done: Promise<void> = Promise.resolve()
			.then(() => backend?.dispose())
			.catch(() => {}) // a failed dispose must not keep the entry (or an unhandled rejection) around
			.finally(() => {
				this.#disposing.delete(done);
				entry.unloaded.resolve();
				this.#emit({ type: 'unloaded', id: entry.id });
			});
		this.#disposing.add(done);
		return done;
	}

	/** Strictly increasing, so least-recently-used order has no ties within one millisecond. */
	#now(): number {
		this.#clock = Math.max(Date.now(), this.#clock + 1);
		return this.#clock;
	}

	#usedBytes(): number {
		let sum = 0;
		for (const entry of this.#entries.values()) sum += entryBytes(entry);
		return sum;
	}

	#emit(event: PoolEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch {
				// a listener's failure is its own
			}
		}
	}
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
	if (!signal) return promise;
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason ?? new Error('aborted'));
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}
