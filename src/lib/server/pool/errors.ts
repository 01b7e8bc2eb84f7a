import { AppError, ServiceUnavailableError } from '../http/errors';

const GIB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

/** The model and its context do not fit the memory limit, even after evicting every idle model. */
export class InsufficientMemoryError extends ServiceUnavailableError {
	constructor(
		readonly modelId: string,
		readonly figures: { required_bytes: number; used_bytes: number; limit_bytes: number; pinned_or_busy_bytes: number }
	) {
		super(
			`Not enough memory to load ${modelId}: it needs ${gib(figures.required_bytes)}, ` +
				`${gib(figures.pinned_or_busy_bytes)} of the ${gib(figures.limit_bytes)} limit is held by pinned or busy models`,
			'insufficient_memory',
			{ model: modelId, ...figures }
		);
	}
}

/**
 * Every sequence of the model is busy and its wait queue is full: 429 with `Retry-After`, which
 * OpenAI clients retry on by themselves.
 */
export class QueueFullError extends AppError {
	constructor(modelId: string, queued: number, retryAfterSeconds: number) {
		super(429, 'queue_full', `Model ${modelId} is busy: ${queued} requests are already waiting. Retry in ${retryAfterSeconds} s.`, {
			headers: { 'Retry-After': String(retryAfterSeconds) },
			extra: { model: modelId, queued, retry_after: retryAfterSeconds }
		});
	}
}

/** Loading the file failed (malformed GGUF, unsupported architecture, llama.cpp error). */
export class ModelLoadError extends AppError {
	constructor(modelId: string, reason: string) {
		super(500, 'model_load_failed', `Model ${modelId} failed to load: ${reason}`, { extra: { model: modelId } });
	}
}

/** The pool is shutting down and accepts no more work. */
export class PoolClosedError extends ServiceUnavailableError {
	constructor() {
		super('The model pool is shutting down', 'shutting_down');
	}
}

/** Thrown to waiters whose request was aborted before it got a sequence. */
export class AcquireAbortedError extends Error {
	constructor() {
		super('The request was aborted while waiting for the model');
		this.name = 'AbortError';
	}
}

/** `max_models` are loaded and none of them can be evicted (all pinned or busy). */
export class TooManyModelsError extends ServiceUnavailableError {
	constructor(modelId: string, maxModels: number) {
		super(
			`Cannot load ${modelId}: ${maxModels} models are loaded (the maximum) and all are pinned or busy`,
			'max_models_reached',
			{ model: modelId, max_models: maxModels }
		);
	}
}
