import { SlotQueue } from './lease';
import type { Estimate, LoadedBackend, LoadOptions, ModelState, ModelStatus, PoolLimits } from './types';

/** The pool's private record of one model. Only `pool.ts` creates or changes entries. */
export type Entry = {
	id: string;
	file: string;
	options: LoadOptions;
	state: ModelState;
	/** The one load promise (single flight): resolves when ready, rejects with the load error. */
	ready: Promise<void>;
	backend: LoadedBackend | null;
	/** Memory reserved at admission; null until estimated. */
	estimate: Estimate | null;
	slots: SlotQueue;
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
		id,
		file,
		options: { ...options, parallel },
		state: 'loading',
		ready: Promise.resolve(),
		backend: null,
		estimate: null,
		slots: new SlotQueue(parallel, id, maxQueue),
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
		id: entry.id,
		state: entry.state,
		profileId: entry.options.profileId,
		sizeBytes: entry.backend?.sizeBytes ?? 0,
		memoryBytes: entryBytes(entry),
		contextSize: entry.estimate?.contextSize ?? entry.options.contextSize,
		parallel: entry.options.parallel,
		pinned: entry.options.pinned,
		loadedAt: entry.loadedAt === null ? null : new Date(entry.loadedAt),
		loadMs: entry.loadMs,
		lastUsed: new Date(entry.lastUsed),
		keepAliveMs: entry.options.keepAliveMs ?? limits.keepAliveMs,
		keepAliveExpiresAt: entry.expiresAt === null ? null : new Date(entry.expiresAt),
		active: entry.slots.active,
		queued: entry.slots.queued
	};
}
