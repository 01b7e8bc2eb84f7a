/**
 * One instance per process for long-lived objects (database, pool, realtime hub, download manager).
 *
 * adapter-node bundles `src/` into chunks and the custom server loads them separately, so plain module
 * state could exist twice; keying on a global symbol makes every copy of this module agree.
 */
export function singleton<T>(key: string, create: () => T): T {
	const symbol = Symbol.for(`llm-manager.${key}`);
	const store = globalThis as unknown as Record<symbol, T | undefined>;
	let value = store[symbol];
	if (value === undefined) {
		value = create();
		store[symbol] = value;
	}
	return value;
}

/** Replaces a process-wide object (used by shutdown and by tests). */
export function resetSingleton(key: string): void {
	const store = globalThis as unknown as Record<symbol, unknown>;
	delete store[Symbol.for(`llm-manager.${key}`)];
}

/** The process-wide object under `key` if one was created, without creating it. */
export function existingSingleton<T>(key: string): T | undefined {
	return (globalThis as unknown as Record<symbol, T | undefined>)[Symbol.for(`llm-manager.${key}`)];
}
