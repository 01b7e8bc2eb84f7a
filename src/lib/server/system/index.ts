import fs from 'node:fs/promises';
import os from 'node:os';
import { getLlamaInstance } from '../llama';
import { log } from '../log';
import { memoryLimitBytes } from './memory-limit';

const GIB = 1024 ** 3;
export const gb = (bytes: number) => Math.round((bytes / GIB) * 100) / 100;

/** MemAvailable from /proc/meminfo where there is one (free memory undercounts reclaimable cache). */
async function availableBytes(): Promise<number> {
	try {
		const text = await fs.readFile('/proc/meminfo', 'utf8');
		const match = /^MemAvailable:\s+(\d+)\s+kB/m.exec(text);
		if (match) return Number(match[1]) * 1024;
	} catch {
		// not Linux
	}
	return os.freemem();
}

export type GpuFacts = { type: string; devices: string[]; vram_total_gb: number; vram_used_gb: number };

export async function gpuFacts(): Promise<GpuFacts | null> {
	try {
		const llama = await getLlamaInstance();
		if (!llama.gpu) return null;
		const [vram, devices] = await Promise.all([llama.getVramState(), llama.getGpuDeviceNames()]);
		return { type: llama.gpu, devices, vram_total_gb: gb(vram.total), vram_used_gb: gb(vram.used) };
	} catch (err) {
		log.debug('no GPU facts', { error: String(err) });
		return null;
	}
}

export async function memoryInfo() {
	const total = os.totalmem();
	const available = await availableBytes();
	const used = total - available;
	return {
		total_gb: gb(total),
		available_gb: gb(available),
		used_gb: gb(used),
		percent_used: Math.round((used / total) * 1000) / 10,
		// What a model may reasonably take: the available memory less a margin for the OS.
		recommended_gb: gb(Math.max(0, available - Math.min(2 * GIB, total * 0.1))),
		// The pool's memory limit: the one figure every page shows as "memory for models".
		memory_for_models_gb: gb(memoryLimitBytes()),
		gpu: await gpuFacts()
	};
}

export async function systemInfo(appVersion: string) {
	const cpus = os.cpus();
	let llamaCpp: { gpu_type: string; release: string | null } = { gpu_type: 'unavailable', release: null };
	try {
		const llama = await getLlamaInstance();
		llamaCpp = { gpu_type: llama.gpu || 'cpu', release: llama.llamaCppRelease.release ?? null };
	} catch {
		// reported as unavailable
	}
	return {
		os_version: `${os.type()} ${os.release()} (${os.platform()} ${os.arch()})`,
		cpu: cpus[0]?.model?.trim() ?? 'unknown',
		cpu_cores: os.availableParallelism(),
		memory_gb: gb(os.totalmem()),
		node_version: process.version,
		app_version: appVersion,
		llama_cpp: llamaCpp
	};
}
export { memoryLimitBytes } from './memory-limit';
