import os from 'node:os';
import { getConfig, type MemoryLimit } from '../config';

/**
 * The pool's memory limit in bytes (`LLM_MANAGER_MAX_MEMORY`: a percentage of RAM or an absolute size).
 * Used to say whether a model fits before it is downloaded.
 */
export function memoryLimitBytes(limit: MemoryLimit = getConfig().maxMemory, totalBytes = os.totalmem()): number {
	return limit.kind === 'bytes' ? limit.value : Math.floor((totalBytes * limit.value) / 100);
}
