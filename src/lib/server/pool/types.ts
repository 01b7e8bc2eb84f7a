import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

/** How one model is loaded: taken from its profile, else from the defaults. */
export type LoadOptions = {
	/** Tokens per sequence. Defaults to 4096 (capped at the model's training context). */
	contextSize: number;
	/** Layers offloaded to the GPU, or `auto`. */
	gpuLayers: 'auto' | number;
	/** Concurrent sequences (parallel requests). Defaults to 1. */
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
	/** One context sequence for one request; the lease disposes it. */
	getSequence(): LlamaContextSequence;
	dispose(): Promise<void>;
}

/** Loads models; injected so tests can use a fake (as ollama's scheduler tests use a mock runner). */
export interface ModelLoader {
	/** Validates the file and estimates its memory. Throws for a missing or malformed file. */
	estimate(file: string, options: LoadOptions): Promise<Estimate>;
	load(file: string, options: LoadOptions, estimate: Estimate): Promise<LoadedBackend>;
}

export type ModelState = 'loading' | 'ready' | 'unloading';

export type ModelStatus = {
	id: string;
	state: ModelState;
	profileId: string | null;
	sizeBytes: number;
	memoryBytes: number;
	contextSize: number;
	parallel: number;
	pinned: boolean;
	loadedAt: Date | null;
	loadMs: number | null;
	lastUsed: Date;
	keepAliveMs: number;
	keepAliveExpiresAt: Date | null;
	active: number;
	queued: number;
};

export type LoadFailure = { id: string; profileId: string | null; message: string; at: Date };

export type PoolStatus = {
	limits: PoolLimits;
	usedBytes: number;
	models: ModelStatus[];
	failures: LoadFailure[];
};

export type PoolEvent =
	| { type: 'loading' | 'loaded' | 'unloaded' | 'lease' | 'release'; id: string }
	| { type: 'load_failed'; id: string; message: string }
	| { type: 'limits' };
