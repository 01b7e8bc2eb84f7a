import os from 'node:os';
import { getConfig, type MemoryLimit } from '../config';
import { singleton } from '../http/singleton';

type Provider = () => number;
const live = singleton('memory-limit-provider', () => ({ provider: null as Provider | null }));

/**
 * The pool publishes its live limit here (settings changed in the UI apply at once), so "fits in
 * memory" on the models page agrees with what the pool will admit.
 */
export function setMemoryLimitProvider(provider: Provider): void {
	live.provider = provider;
}

/**
 * The pool's memory limit in bytes: the live one when the pool runs, else `LLM_MANAGER_MAX_MEMORY`
 * (a percentage of RAM or an absolute size). Used to say whether a model fits before it is downloaded.
 */
export function memoryLimitBytes(limit?: MemoryLimit, totalBytes = os.totalmem()): number {
	if (!limit && live.provider) return live.provider();
	const chosen = limit ?? getConfig().maxMemory;
	return chosen.kind === 'bytes' ? chosen.value : Math.floor((totalBytes * chosen.value) / 100);
}
