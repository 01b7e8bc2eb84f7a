import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getConfig, parseDuration, parseMemoryLimit } from '../config';
import { getDb, schema } from '../db';
import { ValidationError } from '../http/errors';
import { singleton } from '../http/singleton';
import { formatDuration, formatMemoryLimit, memoryLimitBytes } from './limits';

const KEY = 'pool';

export const PoolSettingsUpdate = z
	.object({
		max_memory: z
			.string()
			.trim()
			.refine((v) => parseMemoryLimit(v) !== null, 'expected a percentage such as 80% or a size such as 48GB'),
		max_models: z.number().int().min(1).max(64),
		keep_alive: z
			.string()
			.trim()
			.refine((v) => parseDuration(v) !== null, 'expected a duration such as 30m, 1h, 0 or -1'),
		preload: z.array(z.string().min(1).max(200)).max(64),
		request_timeout: z
			.string()
			.trim()
			.refine((v) => parseDuration(v) !== null, 'expected a duration such as 10m or 90s; 0 or -1 = no limit')
	})
	.partial()
	.strict();
export type PoolSettingsUpdate = z.infer<typeof PoolSettingsUpdate>;

export type { PoolSettings } from '$lib/types/pool';
import type { PoolSettings } from '$lib/types/pool';

/**
 * Stored values only (what a person changed); the environment supplies the rest. Read once and kept:
 * this process is the only writer, and every `/v1` request by profile consults the preload list.
 */
const stored = singleton('pool-settings-stored', () => ({ value: null as PoolSettingsUpdate | null }));

async function readStored(): Promise<PoolSettingsUpdate> {
	if (stored.value) return stored.value;
	const row = await getDb().query.settings.findFirst({ where: eq(schema.settings.key, KEY) });
	const parsed = PoolSettingsUpdate.safeParse(row?.value ?? {});
	stored.value = parsed.success ? parsed.data : {};
	return stored.value;
}

export async function readPoolSettings(options: { ramOnly?: boolean } = {}): Promise<PoolSettings> {
	const config = getConfig();
	const stored = await readStored();
	const maxMemory = stored.max_memory ?? formatMemoryLimit(config.maxMemory);
	return {
		max_memory: maxMemory,
		max_models: stored.max_models ?? config.maxModels,
		keep_alive: stored.keep_alive ?? formatDuration(config.keepAliveMs),
		preload: stored.preload ?? [],
		request_timeout: stored.request_timeout ?? formatDuration(config.requestTimeoutMs),
		memory_limit_bytes: await memoryLimitBytes(parseMemoryLimit(maxMemory) ?? config.maxMemory, options)
	};
}

/** Merges a change into the stored settings; `preload` must name existing profiles. */
export async function writePoolSettings(patch: PoolSettingsUpdate): Promise<PoolSettings> {
	if (patch.preload) {
		const preload = [...new Set(patch.preload)];
		const rows = await getDb().query.profiles.findMany({ columns: { id: true } });
		const known = new Set(rows.map((r) => r.id));
		const unknown = preload.filter((id) => !known.has(id));
		if (unknown.length > 0) {
			throw new ValidationError(`Unknown profile in preload: ${unknown.join(', ')}`, [
				{ path: 'preload', message: `unknown profile ids: ${unknown.join(', ')}` }
			]);
		}
		patch = { ...patch, preload };
	}
	const value = { ...(await readStored()), ...patch };
	await getDb()
		.insert(schema.settings)
		.values({ key: KEY, value })
		.onConflictDoUpdate({ target: schema.settings.key, set: { value, updatedAt: new Date() } });
	stored.value = value;
	return readPoolSettings();
}

/**
 * The `/v1` time limit in force (ms, 0 = none): the stored setting once read (start-up reads it), else
 * `LLM_MANAGER_REQUEST_TIMEOUT`. Synchronous because every `/v1` request asks.
 */
export function requestTimeoutMs(): number {
	const setting = stored.value?.request_timeout;
	const parsed = setting === undefined ? null : parseDuration(setting);
	return Math.max(0, parsed ?? getConfig().requestTimeoutMs);
}
