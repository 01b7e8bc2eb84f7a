/**
 * One instance per process for long-lived objects (database, pool, realtime hub, download manager).
 *
 * adapter-node bundles `src/` into chunks and the custom server loads them separately, so plain module
 * state could exist twice; keying on a global symbol makes every copy of this module agree.
 */
const store = globalThis as unknown as Record<symbol, unknown>;
const symbolOf = (key: string) => Symbol.for(`llm-manager.${key}`);

export function singleton<T>(key: string, create: () => T): T {
	const symbol = symbolOf(key);
	let value = store[symbol] as T | undefined;
	if (value === undefined) {
		value = create();
		store[symbol] = value;
	}
	return value;
}

/** Replaces a process-wide object (used by shutdown and by tests). */
export function resetSingleton(key: string): void {
	delete store[symbolOf(key)];
}

/** The process-wide object under `key` if one was created, without creating it. */
export function existingSingleton<T>(key: string): T | undefined {
	return store[symbolOf(key)] as T | undefined;
}
