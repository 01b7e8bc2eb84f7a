import type { LlamaModel, Token } from 'node-llama-cpp';
import { AppError } from '../http/errors';
import { AcquireAbortedError, InsufficientMemoryError, ModelLoadError, PoolClosedError, TooManyModelsError } from './errors';
import { createEntry, entryBytes, isEvictable, toStatus, type Entry } from './entry';
import { cancelIdle, settleIdle } from './keep-alive';
import { fitsWhenIdle, planAdmission } from './admission';
import { Lease, abortable, type LeaseOutcome } from './lease';
import { pickLeastRecent, pickLongestPrefix, type Slot } from './sequences';
import {
	DEFAULT_LOAD_OPTIONS,
	entryKey,
	type LoadFailure,
	type LoadOptions,
	type ModelLoader,
	type ModelStatus,
	type PoolEvent,
	type PoolLimits,
	type PoolStatus
} from './types';

export type AcquireOptions = Partial<LoadOptions> & {
	signal?: AbortSignal;
	/**
	 * The request's prompt as tokens (after the chat template), computed once the model is loaded:
	 * the lease gets the free sequence whose KV state shares the longest prefix with it.
	 */
	prompt?: (model: LlamaModel) => readonly Token[] | null;
};

/**
 * The process-wide model pool, after ollama's scheduler (server/sched.go): leases with reference
 * counts, single-flight loads, eviction of idle least-recently-used models, keep-alive timers.
 *
 * An entry is a model file plus the options that need a reload to change (`entryKey`: context size,
 * GPU layers, parallel sequences), so callers asking for other options never get someone else's.
 * Methods taking a model id act on every entry of that model unless options narrow it to one.
 *
 * Concurrency model and invariants (JavaScript runs one callback at a time, so a "lock" is a stretch
 * of code without `await`; the order in which they are taken is: admission → entry → sequence queue):
 * - I1 single flight: a key has at most one entry in `#entries`, created synchronously together with
 *   its one load promise; every caller awaits that promise and gets its model or its error.
 * - I2 admission is atomic: the memory check, the choice of victims, their removal from `#entries`
 *   and the new entry's reservation happen in one synchronous section (`#admit`), so two loads can
 *   never both count the same free bytes. Loads await every pending dispose before loading.
 * - I3 `entry.refs` counts callers waiting for the load, waiting for a slot, or holding a lease;
 *   refs > 0 ⇒ the entry is neither evicted nor unloaded (an explicit unload waits: `draining`).
 * - I4 a keep-alive timer exists only while refs = 0 and the entry is ready; taking a ref clears it.
 * - I5 pinned entries are never chosen by eviction or keep-alive.
 * - I6 a failed load removes its entry and records the failure; the pool stays usable.
 * - I7 a load that does not fit only because other models are busy waits for room (re-checked after
 *   every release or unload) instead of failing; it gives up when nobody waits for it any more.
 * - I8 sequences live as long as their entry (see `SequenceQueue`): a lease borrows one and gives it
 *   back synchronously, KV state included, for prompt reuse by the next request.
 */
export class ModelPool {
	readonly #loader: ModelLoader;
	readonly #resolveFile: (id: string) => string;
	readonly #entries = new Map<string, Entry>();
	readonly #disposing = new Set<Promise<void>>();
	readonly #failures = new Map<string, LoadFailure>();
	readonly #listeners = new Set<(event: PoolEvent) => void>();
	/** Loads waiting for room (I7), woken on every release, unload or limits change. */
	#roomWaiters: (() => void)[] = [];
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
		cancelIdle(entry);
		try {
			await entry.ready;
			if (options.pinned) entry.options.pinned = true;
			if (options.keepAliveMs !== undefined) entry.options.keepAliveMs = options.keepAliveMs;
			if (options.profileId) entry.options.profileId ??= options.profileId;
			return toStatus(entry, this.#limits);
		} finally {
			entry.refs--;
			this.#settleIdle(entry);
			this.#wakeRoomWaiters();
		}
	}

	/**
	 * A lease on one context sequence of the model, loading it when needed; waits in FIFO order while
	 * all are busy (429 `QueueFullError` when the queue is full).
	 */
	async acquire(id: string, options: AcquireOptions = {}): Promise<Lease> {
		const { signal, prompt, ...load } = options;
		signal?.throwIfAborted();
		const entry = await this.#entryFor(id, load);
		entry.refs++;
		cancelIdle(entry);
		let slot: Slot | null = null;
		try {
			await abortable(entry.ready, signal);
			const backend = entry.backend!;
			const tokens = prompt?.(backend.model) ?? null;
			slot = await entry.slots.take(tokens && tokens.length > 0 ? pickLongestPrefix(tokens) : pickLeastRecent, signal);
			await slot.ready;
			signal?.throwIfAborted();
			const held = slot;
			const since = performance.now();
			const lease = new Lease(id, backend.model, backend.context, held.sequence, (o) => this.#release(entry, held, since, o), signal);
			entry.lastUsed = this.#now();
			this.#emit({ type: 'lease', id, key: entry.key });
			return lease;
		} catch (err) {
			if (slot) entry.slots.give(slot, 0);
			entry.refs--;
			this.#settleIdle(entry);
			this.#wakeRoomWaiters();
			throw err;
		}
	}

	/**
	 * Unloads a model: every entry of it, or with `options` the one entry loaded with those options.
	 * With requests in flight an entry stops taking new ones and unloads when the last lease is
	 * released. Resolves false when nothing was loaded.
	 */
	async unload(id: string, options?: Partial<LoadOptions>): Promise<boolean> {
		const entries = this.#matching(id, options);
		if (entries.length === 0) return false;
		const results = await Promise.all(entries.map((e) => this.#unloadEntry(e)));
		return results.some(Boolean);
	}

	async #unloadEntry(entry: Entry): Promise<boolean> {
		if (entry.state === 'loading') {
			try {
				await entry.ready;
			} catch {
				return false;
			}
		}
		if (this.#entries.get(entry.key) !== entry) return true;
		entry.draining = true;
		if (entry.refs === 0) await this.#startUnload(entry);
		else await entry.unloaded.promise;
		return true;
	}

	/** Marks a loaded model pinned (never evicted) or not, and re-arms its keep-alive. */
	setPinned(id: string, pinned: boolean, options?: Partial<LoadOptions>): void {
		const entries = this.#matching(id, options);
		for (const entry of entries) {
			entry.options.pinned = pinned;
			this.#settleIdle(entry);
		}
		if (entries.length > 0) this.#emit({ type: 'limits' });
	}

	/** Entries of a model id; with options, only the one with exactly those reload options. */
	#matching(id: string, options?: Partial<LoadOptions>): Entry[] {
		if (options) {
			const entry = this.#entries.get(entryKey(id, options));
			return entry ? [entry] : [];
		}
		return [...this.#entries.values()].filter((e) => e.id === id);
	}

	/** The loaded model of an entry of this id (the one with `options` when given). */
	getLoadedModel(id: string, options?: Partial<LoadOptions>) {
		const entry = this.#matching(id, options).find((e) => e.state === 'ready');
		return entry ? entry.backend!.model : null;
	}

	/** True while any entry of the model (or the one with `options`) is loading or loaded. */
	isLoaded(id: string, options?: Partial<LoadOptions>): boolean {
		return this.#matching(id, options).length > 0;
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

	/** The last load failure of a model (with `options`: of that entry), cleared by its next successful load. */
	lastFailure(id: string, options?: Partial<LoadOptions>): LoadFailure | null {
		if (options) return this.#failures.get(entryKey(id, options)) ?? null;
		const all = [...this.#failures.values()].filter((f) => f.id === id);
		return all.sort((a, b) => b.at.getTime() - a.at.getTime())[0] ?? null;
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
		this.#wakeRoomWaiters();
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
		this.#wakeRoomWaiters();
		await Promise.allSettled(entries.map((e) => e.ready));
		await Promise.allSettled([...this.#disposing]);
	}

	async #entryFor(id: string, options: Partial<LoadOptions>): Promise<Entry> {
		if (this.#closed) throw new PoolClosedError();
		const key = entryKey(id, options);
		let entry = this.#entries.get(key);
		while (entry?.draining) {
			await entry.unloaded.promise;
			entry = this.#entries.get(key);
		}
		if (this.#closed) throw new PoolClosedError();
		if (entry) return entry;
		const file = this.#resolveFile(id);
		const created = createEntry(id, file, { ...DEFAULT_LOAD_OPTIONS, ...options }, () => this.#limits.maxQueue);
		this.#entries.set(key, created);
		created.ready = this.#load(created);
		created.ready.catch(() => {});
		this.#emit({ type: 'loading', id, key });
		return created;
	}

	async #load(entry: Entry): Promise<void> {
		const started = performance.now();
		try {
			await Promise.allSettled([...this.#disposing]);
			const estimate = await this.#loader.estimate(entry.file, entry.options);
			if (this.#entries.get(entry.key) !== entry) throw new PoolClosedError();
			await this.#admitWhenRoom(entry, estimate.bytes);
			entry.estimate = estimate;
			await Promise.allSettled([...this.#disposing]);
			const backend = await this.#loader.load(entry.file, entry.options, estimate, { activeSequences: () => entry.slots.active });
			if (this.#closed || this.#entries.get(entry.key) !== entry) {
				await backend.dispose();
				throw new PoolClosedError();
			}
			entry.slots.fill(Array.from({ length: entry.options.parallel }, () => backend.getSequence()));
			entry.backend = backend;
			entry.state = 'ready';
			entry.loadedAt = entry.lastUsed = this.#now();
			entry.loadMs = Math.round(performance.now() - started);
			this.#failures.delete(entry.key);
			this.#emit({ type: 'loaded', id: entry.id, key: entry.key });
		} catch (err) {
			if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
			const error = err instanceof AppError || err instanceof AcquireAbortedError ? err : new ModelLoadError(entry.id, err instanceof Error ? err.message : String(err));
			if (!(error instanceof PoolClosedError) && !(error instanceof AcquireAbortedError)) {
				this.#failures.set(entry.key, { key: entry.key, id: entry.id, profileId: entry.options.profileId, message: error.message, at: new Date() });
			}
			entry.unloaded.resolve();
			this.#emit({ type: 'load_failed', id: entry.id, key: entry.key, message: error.message });
			this.#wakeRoomWaiters();
			throw error;
		}
		this.#settleIdle(entry);
	}

	/**
	 * I2: one synchronous section from the check to the reservation. I7: when only busy models are in
	 * the way, waits for a release and checks again; throws when nothing could ever make room.
	 */
	async #admitWhenRoom(entry: Entry, bytes: number): Promise<void> {
		for (;;) {
			const others = [...this.#entries.values()].filter((e) => e !== entry);
			try {
				const victims = planAdmission(entry.id, bytes, others, this.#limits);
				for (const victim of victims) void this.#startUnload(victim);
				return;
			} catch (err) {
				const roomLater = (err instanceof InsufficientMemoryError || err instanceof TooManyModelsError) && fitsWhenIdle(bytes, others, this.#limits);
				if (!roomLater) throw err;
			}
			await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
			if (this.#closed || this.#entries.get(entry.key) !== entry) throw new PoolClosedError();
			if (entry.refs === 0) throw new AcquireAbortedError();
		}
	}

	#wakeRoomWaiters(): void {
		for (const wake of this.#roomWaiters.splice(0)) wake();
	}

	#release(entry: Entry, slot: Slot, since: number, outcome: LeaseOutcome): void {
		if (outcome.discardState) slot.ready = slot.sequence.clearHistory().catch(() => {});
		entry.reusedTokens += outcome.reusedTokens;
		entry.slots.give(slot, performance.now() - since);
		entry.refs--;
		entry.lastUsed = this.#now();
		this.#emit({ type: 'release', id: entry.id, key: entry.key });
		this.#settleIdle(entry);
		this.#wakeRoomWaiters();
	}

	#settleIdle(entry: Entry): void {
		settleIdle(entry, {
			isCurrent: () => this.#entries.get(entry.key) === entry,
			keepAliveMs: this.#limits.keepAliveMs,
			unload: () => void this.#startUnload(entry)
		});
	}

	#startUnload(entry: Entry): Promise<void> {
		cancelIdle(entry);
		if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
		entry.state = 'unloading';
		entry.slots.rejectAll(new PoolClosedError());
		const backend = entry.backend;
		const done: Promise<void> = Promise.resolve()
			.then(() => backend?.dispose())
			.catch(() => {}) // a failed dispose must not keep the entry (or an unhandled rejection) around
			.finally(() => {
				this.#disposing.delete(done);
				entry.unloaded.resolve();
				this.#emit({ type: 'unloaded', id: entry.id, key: entry.key });
				this.#wakeRoomWaiters();
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
