import os from 'node:os';
import { getAuditRecorder } from '../audit';
import { getConfig } from '../config';
import type { schema } from '../db';
import { ConflictError, ForbiddenError } from '../http/errors';
import { getLlamaInstance } from '../llama';
import { log } from '../log';
import * as profiles from '../profiles';
import { gb, memoryInfo } from '../system';
import { getPool } from './index';
import { loadOptionsFor } from './profile-options';
import { readPoolSettings } from './settings';
import { entryKey, type ModelStatus } from './types';

/** Wire shapes of `/api/servers`: views over the pool's public status, never its internals. */
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

function healthOf(model: ModelStatus | undefined, error: string | null): string {
	if (model) return model.state === 'ready' ? 'healthy' : model.state;
	return error ? 'error' : 'stopped';
}

/** The pool entry a profile runs on: its model with its reload options. */
const profileKey = (profile: schema.Profile) => entryKey(profile.modelId, loadOptionsFor(profile));

/** What a loaded entry runs with (the options that need a reload to change). */
function optionsOf(m: ModelStatus) {
	return { context_size: m.contextSize, parallel: m.parallel, gpu_layers: m.gpuLayers };
}

/** Busy sequences, queue depth and waiting time of an entry. */
function queueOf(m: ModelStatus | undefined) {
	return {
		active_requests: m?.active ?? 0,
		queued_requests: m?.queued ?? 0,
		busy_sequences: m?.active ?? 0,
		sequences: m?.parallel ?? 0,
		queue_wait_ms: m?.queueWaitMs ?? 0,
		avg_wait_ms: m?.avgWaitMs ?? 0,
		queued_total: m?.queuedTotal ?? 0,
		reused_prompt_tokens: m?.reusedTokens ?? 0
	};
}

/** One entry per profile whose model is loaded, loading, or whose last load failed. */
export async function listServers() {
	const status = getPool().status();
	const byKey = new Map(status.models.map((m) => [m.key, m]));
	const totalMemory = os.totalmem();
	const config = getConfig();
	const out = [];
	for (const profile of await profiles.listProfiles()) {
		const key = profileKey(profile);
		const model = byKey.get(key);
		const failure = status.failures.find((f) => f.key === key) ?? null;
		if (!model && !failure) continue;
		out.push({
			profile_id: profile.id,
			profile_name: profile.name,
			model_id: profile.modelId,
			key,
			options: model ? optionsOf(model) : null,
			pid: process.pid,
			port: config.port,
			health_status: healthOf(model, failure?.message ?? null),
			uptime_seconds: model?.loadedAt ? Math.round((Date.now() - model.loadedAt.getTime()) / 1000) : 0,
			memory_bytes: model?.memoryBytes ?? 0,
			memory_percent: percent(model?.memoryBytes ?? 0, totalMemory),
			memory_limit_percent: percent(model?.memoryBytes ?? 0, status.limits.memoryLimitBytes),
			...queueOf(model),
			pinned: model?.pinned ?? false,
			keep_alive_expires_at: iso(model?.keepAliveExpiresAt ?? null),
			error: model ? null : (failure?.message ?? null)
		});
	}
	return out;
}

export function listModels() {
	return getPool()
		.status()
		.models.map((m) => ({
			model_id: m.id,
			key: m.key,
			options: optionsOf(m),
			profile_id: m.profileId,
			state: m.state,
			size_bytes: m.sizeBytes,
			memory_bytes: m.memoryBytes,
			context_size: m.contextSize,
			parallel: m.parallel,
			loaded_at: iso(m.loadedAt),
			load_ms: m.loadMs,
			last_used: iso(m.lastUsed),
			pinned: m.pinned,
			keep_alive_expires_at: iso(m.keepAliveExpiresAt),
			...queueOf(m)
		}));
}

export async function poolMemory() {
	const status = getPool().status();
	const settings = await readPoolSettings();
	const limit = status.limits.memoryLimitBytes;
	return {
		max_memory: settings.max_memory,
		memory_limit_bytes: limit,
		memory_used_bytes: status.usedBytes,
		memory_available_bytes: Math.max(0, limit - status.usedBytes),
		memory_limit_gb: gb(limit),
		memory_used_gb: gb(status.usedBytes),
		memory_available_gb: gb(Math.max(0, limit - status.usedBytes)),
		max_models: status.limits.maxModels,
		loaded_models: status.models.length,
		models: status.models.map((m) => ({ model_id: m.id, key: m.key, memory_bytes: m.memoryBytes, state: m.state }))
	};
}

export async function embeddedStatus() {
	const status = getPool().status();
	let gpu: string | null = null;
	let llamaOk = true;
	try {
		gpu = (await getLlamaInstance()).gpu || null;
	} catch {
		llamaOk = false;
	}
	return {
		status: llamaOk ? 'running' : 'error',
		type: 'embedded' as const,
		uptime_seconds: Math.round(process.uptime()),
		loaded_models: status.models.filter((m) => m.state === 'ready').length,
		memory_used_gb: gb(status.usedBytes),
		memory_limit_gb: gb(status.limits.memoryLimitBytes),
		gpu
	};
}

export async function poolHealth() {
	const status = getPool().status();
	const system = await memoryInfo();
	let llamaOk = true;
	await getLlamaInstance().catch(() => (llamaOk = false));
	const audit = getAuditRecorder().backlog();
	return {
		status: !llamaOk ? 'unhealthy' : status.failures.length > 0 || audit.behind ? 'degraded' : 'healthy',
		audit,
		loaded_model_count: status.models.filter((m) => m.state === 'ready').length,
		memory_used_gb: gb(status.usedBytes),
		memory_available_gb: Math.min(system.available_gb, gb(Math.max(0, status.limits.memoryLimitBytes - status.usedBytes))),
		failures: status.failures.map((f) => ({ model_id: f.id, profile_id: f.profileId, error: f.message, at: f.at.toISOString() }))
	};
}

export async function profileHealth(profile: schema.Profile) {
	const key = profileKey(profile);
	const model = getPool().status().models.find((m) => m.key === key);
	const failure = getPool().lastFailure(profile.modelId, loadOptionsFor(profile));
	return {
		status: healthOf(model, failure?.message ?? null),
		model_loaded: model?.state === 'ready',
		loading: model?.state === 'loading',
		error: model ? null : (failure?.message ?? null)
	};
}

/** Starts loading a profile's model in the background; the outcome shows in the servers views. */
export async function startServer(profile: schema.Profile) {
	const pool = getPool();
	const key = profileKey(profile);
	const model = pool.status().models.find((m) => m.key === key);
	if (model?.state === 'ready') return { status: 'already_loaded' as const, model: profile.modelId };
	const { preload } = await readPoolSettings();
	pool.load(profile.modelId, loadOptionsFor(profile, preload)).catch((err) =>
		log.warn('model load failed', { profile_id: profile.id, model: profile.modelId, error: String(err) })
	);
	return { status: 'loading' as const, model: profile.modelId };
}

/** Unloads a profile's model. Pinned → 409 unless `force` by an admin. */
export async function stopServer(profile: schema.Profile, options: { force: boolean; isAdmin: boolean }) {
	const pool = getPool();
	const load = loadOptionsFor(profile);
	const key = entryKey(profile.modelId, load);
	const model = pool.status().models.find((m) => m.key === key);
	if (!model) return { status: 'not_loaded' as const, model: profile.modelId };
	if (model.pinned) {
		if (!options.force) {
			throw new ConflictError(`Model ${profile.modelId} is pinned; stop it with force=true (admin)`, 'model_pinned');
		}
		if (!options.isAdmin) throw new ForbiddenError('Only an admin can force-stop a pinned model', 'admin_required');
		pool.setPinned(profile.modelId, false, load);
	}
	const unloading = pool.unload(profile.modelId, load);
	if (model.active + model.queued > 0) {
		// Never unloaded under a request: it goes when the last one ends.
		unloading.catch(() => {});
		return { status: 'stopping' as const, model: profile.modelId };
	}
	await unloading;
	return { status: 'stopped' as const, model: profile.modelId };
}
