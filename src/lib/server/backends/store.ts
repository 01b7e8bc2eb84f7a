/**
 * Remote backends in the database, and the in-memory copy `/v1` routes with (no query per request).
 * The API key and extra headers are sealed with the instance key (`$lib/server/secrets`) before they
 * are written; in memory they are held open for the proxy. They never leave the server: the wire
 * shape says whether a key is set and its last 4 characters, and only the names of the headers.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { ConflictError, NotFoundError } from '../http/errors';
import { singleton } from '../http/singleton';
import { log } from '../log';
import * as secrets from '../secrets';
import type { CreateBackend, UpdateBackend } from './schemas';

export type BackendEntry = {
	row: schema.Backend;
	apiKey: string | null;
	headers: Record<string, string>;
	/** A sealed value that this instance key cannot open: the key or headers must be saved again. */
	unreadable: boolean;
};

export const cache = singleton('backends-cache', () => ({
	backends: new Map<string, BackendEntry>(),
	rules: [] as schema.RoutingRule[],
	/** Bumped on every change, so that periodic work started before a change does not undo it. */
	version: 0
}));

function open(row: schema.Backend): BackendEntry {
	let unreadable = false;
	const read = <T>(sealed: string | null, parse: (s: string) => T, empty: T): T => {
		if (!sealed) return empty;
		try {
			return parse(secrets.decryptSecret(sealed));
		} catch {
			unreadable = true;
			return empty;
		}
	};
	const apiKey = read<string | null>(row.apiKeySealed, (s) => s, null);
	const headers = read<Record<string, string>>(row.headersSealed, (s) => JSON.parse(s), {});
	if (unreadable) log.warn('a remote backend has a key or headers this instance key cannot decrypt; save them again', { backend: row.name });
	return { row, apiKey, headers, unreadable };
}

/** Start-up step and after every change: reads backends and rules into memory. */
export async function loadBackends(): Promise<void> {
	const db = getDb();
	const rows = await db.select().from(schema.backends);
	const rules = await db.select().from(schema.routingRules);
	cache.backends = new Map(rows.map((r) => [r.id, open(r)]));
	cache.rules = rules;
	cache.version++;
}

export function listBackendEntries(): BackendEntry[] {
	return [...cache.backends.values()].sort((a, b) => a.row.name.localeCompare(b.row.name));
}

export function backendEntry(id: string): BackendEntry {
	const entry = cache.backends.get(id);
	if (!entry) throw new NotFoundError('No such backend', 'backend_not_found');
	return entry;
}

function isUniqueViolation(err: unknown): boolean {
	return /UNIQUE constraint failed/i.test(`${String(err)} ${String((err as { cause?: unknown })?.cause ?? '')}`);
}

const duplicate = (name: string) => new ConflictError(`A backend named "${name}" already exists`, 'duplicate_name');

function sealedColumns(input: { api_key?: string | null; extra_headers?: Record<string, string> }): Partial<schema.Backend> {
	const c: Partial<schema.Backend> = {};
	if (input.api_key !== undefined) {
		c.apiKeySealed = input.api_key === null ? null : secrets.encryptSecret(input.api_key);
		c.apiKeyLast4 = input.api_key === null ? null : secrets.lastFour(input.api_key);
	}
	if (input.extra_headers !== undefined) {
		const names = Object.keys(input.extra_headers);
		c.headersSealed = names.length === 0 ? null : secrets.encryptSecret(JSON.stringify(input.extra_headers));
		c.headerNames = names;
	}
	return c;
}

function plainColumns(input: UpdateBackend): Partial<schema.Backend> {
	const c: Partial<schema.Backend> = {};
	if (input.name !== undefined) c.name = input.name;
	if (input.kind !== undefined) c.kind = input.kind;
	if (input.base_url !== undefined) c.baseUrl = input.base_url;
	if (input.prefix !== undefined) c.prefix = input.prefix;
	if (input.models !== undefined) c.models = [...new Set(input.models)];
	if (input.timeout_ms !== undefined) c.timeoutMs = input.timeout_ms;
	if (input.max_concurrent !== undefined) c.maxConcurrent = input.max_concurrent;
	if (input.enabled !== undefined) c.enabled = input.enabled;
	return c;
}

export async function createBackend(input: CreateBackend): Promise<BackendEntry> {
	const id = randomUUID();
	const values = { id, ...plainColumns(input), ...sealedColumns(input) } as schema.Backend;
	try {
		await getDb().insert(schema.backends).values(values);
	} catch (err) {
		if (isUniqueViolation(err)) throw duplicate(input.name);
		throw err;
	}
	await loadBackends();
	return backendEntry(id);
}

export async function updateBackend(id: string, input: UpdateBackend): Promise<BackendEntry> {
	const before = backendEntry(id);
	const set: Partial<schema.Backend> = { ...plainColumns(input), ...sealedColumns(input), updatedAt: new Date() };
	// A new address or protocol makes the models found at the old one stale.
	if ((input.base_url && input.base_url !== before.row.baseUrl) || (input.kind && input.kind !== before.row.kind)) {
		set.discoveredModels = [];
		set.discoveredAt = null;
	}
	try {
		await getDb().update(schema.backends).set(set).where(eq(schema.backends.id, id));
	} catch (err) {
		if (isUniqueViolation(err)) throw duplicate(input.name ?? before.row.name);
		throw err;
	}
	await loadBackends();
	return backendEntry(id);
}

export async function deleteBackend(id: string): Promise<void> {
	backendEntry(id);
	await getDb().delete(schema.backends).where(eq(schema.backends.id, id));
	await loadBackends();
}

/** An unchanged list is written again at most this often (the periodic check runs every 30 s). */
const REWRITE_AFTER_MS = 10 * 60_000;

/** Stores what the models endpoint listed (unless the backend changed meanwhile). */
export async function saveDiscovered(id: string, models: string[], version: number): Promise<void> {
	const entry = cache.backends.get(id);
	if (version !== cache.version || !entry) return;
	const same = entry.row.discoveredModels.length === models.length && entry.row.discoveredModels.every((m, i) => m === models[i]);
	if (same && entry.row.discoveredAt && Date.now() - entry.row.discoveredAt.getTime() < REWRITE_AFTER_MS) return;
	const discoveredAt = new Date();
	await getDb().update(schema.backends).set({ discoveredModels: models, discoveredAt }).where(eq(schema.backends.id, id));
	entry.row = { ...entry.row, discoveredModels: models, discoveredAt };
}

/** The models a backend serves, by its own names: listed by hand, else discovered. */
export function modelsOf(entry: BackendEntry): string[] {
	return entry.row.models.length > 0 ? entry.row.models : entry.row.discoveredModels;
}

/** The name `/v1` clients use for one of a backend's models. */
export function publicName(entry: BackendEntry, model: string): string {
	return entry.row.prefix ? `${entry.row.prefix}/${model}` : model;
}
