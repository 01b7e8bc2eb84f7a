/**
 * Wire shapes of the pool, profiles and servers API (SPEC §4) as the browser sees them, and small
 * helpers the pool pages share. snake_case, exactly as on the wire.
 */
import { ApiError, apiFetch } from './api';

export type Profile = {
	id: string;
	name: string;
	description: string;
	model_id: string;
	context_size: number;
	gpu_layers: 'auto' | number;
	parallel: number;
	temperature: number;
	top_p: number;
	top_k: number;
	min_p: number;
	repeat_penalty: number;
	max_tokens: number;
	system_prompt: string;
	keep_alive: string | null;
	pinned: boolean;
	/** Other names /v1 accepts for the profile. */
	aliases: string[];
	created_at: string;
	updated_at: string;
};

/** What the editor sends on POST / PUT. */
export type ProfileInput = Omit<Profile, 'id' | 'created_at' | 'updated_at'>;

export type ServerEntry = {
	profile_id: string;
	profile_name: string;
	model_id: string;
	pid: number | null;
	port: number | null;
	health_status: string;
	uptime_seconds: number;
	memory_bytes: number;
	memory_percent: number;
	memory_limit_percent: number;
	active_requests: number;
	queued_requests: number;
	/** The pool entry's key: the model with the options that need a reload to change. */
	key?: string;
	/** What the entry runs with; null while it is not loaded. */
	options?: EntryOptions | null;
	busy_sequences?: number;
	sequences?: number;
	/** How long the longest-waiting request has waited so far, ms. */
	queue_wait_ms?: number;
	/** Mean wait for a sequence over the last requests, ms. */
	avg_wait_ms?: number;
	reused_prompt_tokens?: number;
	pinned?: boolean;
	keep_alive_expires_at?: string | null;
	/** Why the last load failed (health_status `error`). */
	error?: string | null;
};

export type PoolMemory = {
	memory_limit_bytes: number;
	memory_used_bytes: number;
	memory_available_bytes?: number;
	max_models?: number;
	loaded_models?: number;
};

export type EmbeddedStatus = {
	status: string;
	type: 'embedded';
	uptime_seconds: number;
	loaded_models: number;
	memory_used_gb: number;
	memory_limit_gb: number;
	gpu: unknown;
};

export type EntryOptions = { context_size: number; parallel: number; gpu_layers: 'auto' | number };

export type LoadedModel = {
	model_id: string;
	key?: string;
	options?: EntryOptions;
	size_bytes: number;
	loaded_at: string;
	last_used: string | null;
	pinned: boolean;
	keep_alive_expires_at: string | null;
	active_requests: number;
	queued_requests?: number;
};

export type ProfileHealth = { status: string; model_loaded: boolean; loading: boolean; error: string | null };

export type { PoolSettings } from '$lib/types/pool';

export type LocalModel = { id: string; size_bytes?: number; quantization?: string | null; context_length?: number | null };

export type ValidationIssue = { path: string; message: string };

/** Field → message map from a 400's `issues` (paths like `temperature` or `gpu_layers.0`). */
export function issuesByField(err: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (!(err instanceof ApiError) || err.status !== 400) return out;
	for (const issue of err.issues) {
		const field = String(issue.path).split(/[.[]/)[0] || '_';
		out[field] ??= issue.message;
	}
	return out;
}

/** `30m`, `2h`, `90s`, a bare number of seconds, `0` (unload after each request), `-1` (never). */
export const DURATION_PATTERN = /^(-1|\d+(\.\d+)?\s*(ms|s|m|h|d)?)$/i;

/** Human text of a keep-alive value. */
export function describeKeepAlive(value: string | null | undefined): string {
	if (value === null || value === undefined || value === '') return 'global default';
	if (value === '-1') return 'never unload';
	if (value === '0') return 'unload after each request';
	return value;
}

/** `1h 02m 03s` / `4m 05s` / `12s`. */
export function formatCountdown(seconds: number): string {
	const s = Math.max(0, Math.floor(seconds));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	const pad = (n: number) => String(n).padStart(2, '0');
	if (h > 0) return `${h}h ${pad(m)}m ${pad(sec)}s`;
	if (m > 0) return `${m}m ${pad(sec)}s`;
	return `${sec}s`;
}

export function formatUptime(seconds: number): string {
	const s = Math.max(0, Math.floor(seconds));
	if (s < 60) return `${s}s`;
	if (s < 3600) return `${Math.floor(s / 60)}m`;
	if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
	return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function errorText(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

/**
 * Local model ids for pickers: the library (`/api/models/local`), or, where that is unavailable,
 * the `.gguf` ids `/v1/models` lists (local models; profiles are listed there by name).
 */
export async function loadLocalModels(): Promise<LocalModel[]> {
	try {
		return await apiFetch<LocalModel[]>('/api/models/local');
	} catch (err) {
		if (!(err instanceof ApiError) || err.status !== 404) throw err;
		const list = await apiFetch<{ data: { id: string }[] }>('/v1/models');
		return list.data.filter((m) => m.id.toLowerCase().endsWith('.gguf')).map((m) => ({ id: m.id }));
	}
}
