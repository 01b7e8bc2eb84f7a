import os from 'node:os';
import type { MemoryLimit } from '../config';
import { getLlamaInstance } from '../llama';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** The pool's memory limit in bytes: a share of RAM (+ VRAM when a GPU is used) or an absolute size. */
export async function memoryLimitBytes(limit: MemoryLimit, options: { ramOnly?: boolean } = {}): Promise<number> {
	if (limit.kind === 'bytes') return limit.value;
	let total = os.totalmem();
	if (options.ramOnly) return Math.floor((total * limit.value) / 100);
	try {
		const llama = await getLlamaInstance();
		if (llama.gpu) total += (await llama.getVramState()).total;
	} catch {
		// llama.cpp unavailable: RAM only
	}
	return Math.floor((total * limit.value) / 100);
}

/** `80%`, `48GB`, `512MB` or a byte count: the text form that `parseMemoryLimit` reads back. */
export function formatMemoryLimit(limit: MemoryLimit): string {
	if (limit.kind === 'percent') return `${limit.value}%`;
	if (limit.value % GIB === 0) return `${limit.value / GIB}GB`;
	if (limit.value % MIB === 0) return `${limit.value / MIB}MB`;
	return String(limit.value);
}

/** `30m`, `1h`, `45s`, `0`, `-1`: the text form that `parseDuration` reads back. */
export function formatDuration(ms: number): string {
	if (ms < 0) return '-1';
	if (ms === 0) return '0';
	for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
		if (ms % size === 0) return `${ms / size}${unit}`;
	}
	return `${ms}ms`;
}
