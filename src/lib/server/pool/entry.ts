import { SequenceQueue } from './sequences';
import { entryKey, type Estimate, type LoadedBackend, type LoadOptions, type ModelState, type ModelStatus, type PoolLimits } from './types';

/** The pool's private record of one model file loaded with one set of reload options. Only `pool.ts` creates or changes entries. */
export type Entry = {
	/** `entryKey(id, options)`: the pool's map key. */
	key: string;
	id: string;
	file: string;
	options: LoadOptions;
	state: ModelState;
	/** The one load promise (single flight): resolves when ready, rejects with the load error. */
	ready: Promise<void>;
	backend: LoadedBackend | null;
	/** Memory reserved at admission; null until estimated. */
	estimate: Estimate | null;
	/** Its context sequences (kept with their KV state) and the FIFO of requests waiting for one. */
	slots: SequenceQueue;
	/** Prompt tokens reused from sequence state since the load. */
	reusedTokens: number;
	/** Callers waiting for the load or a slot, plus lease holders (invariant I3). */
	refs: number;
	/** An explicit unload waits for the last lease. */
	draining: boolean;
	unloaded: Deferred;
	loadedAt: number | null;
	/** How long the load took (estimate, admission, loading), ms. */
	loadMs: number | null;
	lastUsed: number;
	timer: NodeJS.Timeout | null;
	expiresAt: number | null;
};

type Deferred = { promise: Promise<void>; resolve: () => void };

function deferred(): Deferred {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
}

export function createEntry(id: string, file: string, options: LoadOptions, maxQueue: () => number): Entry {
	const parallel = Math.max(1, Math.floor(options.parallel));
	return {
		key: entryKey(id, options),
		id,
		file,
		options: { ...options, parallel },
		state: 'loading',
		ready: Promise.resolve(),
		backend: null,
		estimate: null,
		slots: new SequenceQueue(id, maxQueue),
		reusedTokens: 0,
		refs: 0,
		draining: false,
		unloaded: deferred(),
		loadedAt: null,
		loadMs: null,
		lastUsed: Date.now(),
		timer: null,
		expiresAt: null
	};
}

export function entryBytes(entry: Entry): number {
	return entry.estimate?.bytes ?? 0;
}

/** Eviction candidates: ready, unpinned, nobody waiting or holding a lease (I3, I5). */
export function isEvictable(entry: Entry): boolean {
	return entry.state === 'ready' && !entry.options.pinned && entry.refs === 0 && !entry.draining;
}

export function toStatus(entry: Entry, limits: PoolLimits): ModelStatus {
	return {
		key: entry.key,
		id: entry.id,
		state: entry.state,
		profileId: entry.options.profileId,
		sizeBytes: entry.backend?.sizeBytes ?? 0,
		memoryBytes: entryBytes(entry),
		contextSize: entry.estimate?.contextSize ?? entry.options.contextSize,
		gpuLayers: entry.options.gpuLayers,
		parallel: entry.options.parallel,
		pinned: entry.options.pinned,
		loadedAt: entry.loadedAt === null ? null : new Date(entry.loadedAt),
		loadMs: entry.loadMs,
		lastUsed: new Date(entry.lastUsed),
		keepAliveMs: entry.options.keepAliveMs ?? limits.keepAliveMs,
		keepAliveExpiresAt: entry.expiresAt === null ? null : new Date(entry.expiresAt),
		active: entry.slots.active,
		queued: entry.slots.queued,
		queueWaitMs: entry.slots.oldestWaitMs,
		avgWaitMs: entry.slots.avgWaitMs,
		queuedTotal: entry.slots.queuedTotal,
		reusedTokens: entry.reusedTokens
	};
}
