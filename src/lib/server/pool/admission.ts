import { InsufficientMemoryError, TooManyModelsError } from './errors';
import { entryBytes, isEvictable, type Entry } from './entry';
import type { PoolLimits } from './types';

/**
 * Decides which idle models must go for a new one of `bytes` to fit under the memory limit and
 * `max_models`: least recently used first, never pinned or busy ones. Throws, evicting nothing, when
 * even evicting every candidate would not make room. Pure: the caller unloads the returned victims.
 */
export function planAdmission(id: string, bytes: number, others: Entry[], limits: PoolLimits): Entry[] {
	let used = others.reduce((sum, e) => sum + entryBytes(e), 0);
	let count = others.length;
	const candidates = others.filter(isEvictable).sort((a, b) => a.lastUsed - b.lastUsed);
	const freeable = candidates.reduce((sum, e) => sum + entryBytes(e), 0);
	if (used - freeable + bytes > limits.memoryLimitBytes) {
		throw new InsufficientMemoryError(id, {
			required_bytes: bytes,
			used_bytes: used,
			limit_bytes: limits.memoryLimitBytes,
			pinned_or_busy_bytes: used - freeable
		});
	}
	if (count - candidates.length + 1 > limits.maxModels) throw new TooManyModelsError(id, limits.maxModels);
	const victims: Entry[] = [];
	while (used + bytes > limits.memoryLimitBytes || count + 1 > limits.maxModels) {
		const victim = candidates.shift()!;
		victims.push(victim);
		used -= entryBytes(victim);
		count--;
	}
	return victims;
}

/**
 * True when the new model would fit once every busy (but unpinned) model went idle: then the load
 * waits for room instead of failing, since a request must never fail because of concurrency.
 */
export function fitsWhenIdle(bytes: number, others: Entry[], limits: PoolLimits): boolean {
	const pinned = others.filter((e) => e.options.pinned);
	const pinnedBytes = pinned.reduce((sum, e) => sum + entryBytes(e), 0);
	return pinnedBytes + bytes <= limits.memoryLimitBytes && pinned.length + 1 <= limits.maxModels;
}
