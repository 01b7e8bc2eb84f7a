import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

/** How one model is loaded: taken from its profile, else from the defaults. */
export type LoadOptions = {
	/** Tokens per sequence. Defaults to 4096 (capped at the model's training context). */
	contextSize: number;
	/** Layers offloaded to the GPU, or `auto`. */
	gpuLayers: 'auto' | number;
	/** Concurrent sequences (parallel requests). Defaults to 1 here; a bare model id gets `LLM_MANAGER_PARALLEL`. */
	parallel: number;
	/** Per-model keep-alive in ms; null = the pool's global keep-alive. */
	keepAliveMs: number | null;
	/** Pinned models are never evicted nor unloaded by keep-alive. */
	pinned: boolean;
	/** The profile the model was loaded for, when there was one. */
	profileId: string | null;
};

export const DEFAULT_LOAD_OPTIONS: LoadOptions = {
	contextSize: 4096,
	gpuLayers: 'auto',
	parallel: 1,
	keepAliveMs: null,
	pinned: false,
	profileId: null
};

/**
 * The options that need a reload to change. A pool entry is a model file plus these: two callers
 * that differ in any of them get two entries, never each other's options.
 */
export const RELOAD_OPTIONS = ['contextSize', 'gpuLayers', 'parallel'] as const;
export type ReloadOptions = Pick<LoadOptions, (typeof RELOAD_OPTIONS)[number]>;

/** The pool key of a model loaded with some options: `<model id>#ctx=…,gpu=…,par=…`. */
export function entryKey(id: string, options: Partial<LoadOptions> = {}): string {
	const o = { ...DEFAULT_LOAD_OPTIONS, ...options };
	return `${id}#ctx=${o.contextSize},gpu=${o.gpuLayers},par=${Math.max(1, Math.floor(o.parallel))}`;
}

export type PoolLimits = {
	memoryLimitBytes: number;
	maxModels: number;
	/** Global keep-alive in ms: 0 = unload after each request, -1 = never. */
	keepAliveMs: number;
	/** Requests that may wait for a sequence, per model. */
	maxQueue: number;
};

/** What a loader reports before loading: memory the model and its context will take. */
export type Estimate = { bytes: number; contextSize: number };

/** A loaded model as the loader hands it over. */
export interface LoadedBackend {
	readonly model: LlamaModel;
	readonly context: LlamaContext;
	/** Size of the weights (file) in bytes. */
	readonly sizeBytes: number;
	/**
	 * A context sequence. The pool takes `parallel` of them right after the load and keeps them (with
	 * their KV state, for prompt reuse) as long as the model stays loaded.
	 */
	getSequence(): LlamaContextSequence;
	dispose(): Promise<void>;
}

/** Loads models; injected so tests can use a fake (as ollama's scheduler tests use a mock runner). */
export interface ModelLoader {
	/** Validates the file and estimates its memory. Throws for a missing or malformed file. */
	estimate(file: string, options: LoadOptions): Promise<Estimate>;
	load(file: string, options: LoadOptions, estimate: Estimate, hooks?: LoadHooks): Promise<LoadedBackend>;
}

/** What the pool tells a loader about the entry it loads for. */
export type LoadHooks = {
	/** Sequences currently leased to requests (so a decode step can wait until all of them queued a token). */
	activeSequences: () => number;
};

export type ModelState = 'loading' | 'ready' | 'unloading';

export type ModelStatus = {
	/** The entry's key (`entryKey`): the model id plus its reload options. */
	key: string;
	id: string;
	state: ModelState;
	profileId: string | null;
	sizeBytes: number;
	memoryBytes: number;
	/** Tokens per sequence as loaded (the requested size capped at the model's trained context). */
	contextSize: number;
	gpuLayers: 'auto' | number;
	parallel: number;
	pinned: boolean;
	loadedAt: Date | null;
	loadMs: number | null;
	lastUsed: Date;
	keepAliveMs: number;
	keepAliveExpiresAt: Date | null;
	/** Sequences busy with a request. */
	active: number;
	/** Requests waiting for a free sequence (FIFO). */
	queued: number;
	/** How long the longest-waiting request has waited so far, ms (0 when none waits). */
	queueWaitMs: number;
	/** Mean wait for a sequence over the last requests (those served at once count 0), ms. */
	avgWaitMs: number;
	/** Requests that have waited in the queue since the load. */
	queuedTotal: number;
	/** Prompt tokens reused from a sequence's KV state since the load. */
	reusedTokens: number;
};

export type LoadFailure = { key: string; id: string; profileId: string | null; message: string; at: Date };

export type PoolStatus = {
	limits: PoolLimits;
	usedBytes: number;
	models: ModelStatus[];
	failures: LoadFailure[];
};

export type PoolEvent =
	| { type: 'loading' | 'loaded' | 'unloaded' | 'lease' | 'release'; id: string; key: string }
	| { type: 'load_failed'; id: string; key: string; message: string }
	| { type: 'limits' };
