import { getConfig, parseDuration, parseMemoryLimit } from '../config';
import { singleton } from '../http/singleton';
import { getLlamaInstance } from '../llama';
import { onShutdown } from '../lifecycle';
import { log } from '../log';
import * as profiles from '../profiles';
import { createLlamaLoader } from './llama-loader';
import { memoryLimitBytes } from './limits';
import { ModelPool } from './pool';
import { loadOptionsFor } from './profile-options';
import { resolveModelFile } from './resolve';
import { readPoolSettings, writePoolSettings, type PoolSettings, type PoolSettingsUpdate } from './settings';
import { DEFAULT_LOAD_OPTIONS, type LoadOptions } from './types';

export { ModelPool, type AcquireOptions } from './pool';
export { Lease } from './lease';
export { modelFileOf, rememberModelFile } from './model-files';
export * from './errors';
export * from './types';
export { loadOptionsFor } from './profile-options';
export { resolveModelFile, modelFileExists } from './resolve';
export { PoolSettingsUpdate, readPoolSettings, requestTimeoutMs, type PoolSettings } from './settings';

/**
 * How a model requested by its bare id (no profile) loads: `LLM_MANAGER_PARALLEL` sequences of
 * `LLM_MANAGER_CONTEXT_SIZE` tokens (capped at the model's trained context when it is loaded).
 */
export function bareLoadOptions(): LoadOptions {
	const config = getConfig();
	return { ...DEFAULT_LOAD_OPTIONS, parallel: config.parallel, contextSize: config.contextSize };
}

/** The one pool of this process. */
export function getPool(): ModelPool {
	return singleton('pool', () => {
		const config = getConfig();
		return new ModelPool({
			loader: createLlamaLoader(getLlamaInstance, config.threads),
			limits: {
				memoryLimitBytes: config.maxMemory.kind === 'bytes' ? config.maxMemory.value : Number.MAX_SAFE_INTEGER,
				maxModels: config.maxModels,
				keepAliveMs: config.keepAliveMs,
				maxQueue: config.maxQueue
			},
			resolveFile: (id) => resolveModelFile(config.modelsDir, id)
		});
	});
}

async function applySettings(settings: PoolSettings): Promise<void> {
	getPool().setLimits({
		memoryLimitBytes: settings.memory_limit_bytes,
		maxModels: settings.max_models,
		keepAliveMs: parseDuration(settings.keep_alive) ?? getConfig().keepAliveMs
	});
}

/** Loads the preload list in the background, pinned. Failures are recorded by the pool and logged. */
async function preload(ids: readonly string[]): Promise<void> {
	for (const id of ids) {
		const profile = await profiles.findProfile(id);
		if (!profile) {
			log.warn('preload: unknown profile skipped', { profile_id: id });
			continue;
		}
		getPool()
			.load(profile.modelId, loadOptionsFor(profile, ids))
			.catch((err) => log.warn('preload failed', { profile_id: id, error: String(err) }));
	}
}

/** Start-up step: stored limits applied, preload list loaded, shutdown registered. */
export async function startPool(): Promise<void> {
	const pool = getPool();
	onShutdown('pool', () => pool.shutdown());
	// Limits apply before the first request; VRAM joins the limit once llama.cpp has started.
	const settings = await readPoolSettings({ ramOnly: true });
	await applySettings(settings);
	void readPoolSettings()
		.then(applySettings)
		.catch(() => {})
		.finally(() => void preload(settings.preload));
}

/** Stores a change to the pool settings and applies it at once (limits, keep-alive, pins, preload). */
export async function updatePoolSettings(patch: PoolSettingsUpdate): Promise<PoolSettings> {
	const before = await readPoolSettings();
	const after = await writePoolSettings(patch);
	await applySettings(after);
	if (patch.preload) {
		for (const id of before.preload.filter((p) => !after.preload.includes(p))) {
			const profile = await profiles.findProfile(id);
			if (profile) getPool().setPinned(profile.modelId, profile.pinned, loadOptionsFor(profile));
		}
		const added = after.preload.filter((p) => !before.preload.includes(p));
		for (const id of added) {
			const profile = await profiles.findProfile(id);
			if (profile) getPool().setPinned(profile.modelId, true, loadOptionsFor(profile));
		}
		void preload(added);
	}
	return after;
}

/** A deleted profile leaves the preload list (and its model, if loaded, stays until evicted). */
export async function forgetProfile(id: string): Promise<void> {
	const { preload } = await readPoolSettings({ ramOnly: true });
	if (preload.includes(id)) await writePoolSettings({ preload: preload.filter((p) => p !== id) });
}

/** The memory limit a text such as `80%` stands for. */
export async function limitBytesFor(text: string): Promise<number | null> {
	const limit = parseMemoryLimit(text);
	return limit ? memoryLimitBytes(limit) : null;
}
