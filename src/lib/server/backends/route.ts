/**
 * Where a `/v1` request goes, by its `model`: rules that override local models first, then local
 * profiles and models, then the other rules (highest priority first), then the models the backends
 * list (`<prefix>/<model>` when the backend has a prefix). Disabled backends are skipped.
 */
import type { Caller } from '../auth/types';
import { getConfig } from '../config';
import { ForbiddenError } from '../http/errors';
import { modelFileExists } from '../pool';
import * as profiles from '../profiles';
import type { ModelObject } from '../inference/openai';
import { activeRules, ruleMatches } from './rules';
import { cache, listBackendEntries, modelsOf, publicName, type BackendEntry } from './store';

export type RemoteRoute = {
	backend: BackendEntry;
	/** The model name sent to the backend. */
	model: string;
	fallback: BackendEntry | null;
	/** The rule that chose it; null when a backend's model list did. */
	ruleId: string | null;
};

/** Names longer than this are never matched against rules (no pattern runs on unbounded input). */
const MAX_NAME = 256;

export function hasRemote(): boolean {
	for (const e of cache.backends.values()) if (e.row.enabled) return true;
	return false;
}

async function isLocal(name: string): Promise<boolean> {
	const file = modelFileExists(getConfig().modelsDir, name);
	if (!name.toLowerCase().endsWith('.gguf') && (await profiles.findProfileByNameOrAlias(name))) return true;
	return file;
}

/** The name without the backend's prefix, when it has one. */
function unprefixed(entry: BackendEntry, name: string): string {
	const p = entry.row.prefix;
	return p && name.startsWith(`${p}/`) ? name.slice(p.length + 1) : name;
}

function enabled(id: string | null): BackendEntry | null {
	const e = id ? cache.backends.get(id) : undefined;
	return e && e.row.enabled ? e : null;
}

function byRule(name: string, overriding: boolean): RemoteRoute | null {
	for (const rule of activeRules()) {
		if (rule.overrideLocal !== overriding || !ruleMatches(rule, name)) continue;
		const backend = enabled(rule.backendId);
		if (!backend) continue;
		return { backend, model: rule.targetModel ?? unprefixed(backend, name), fallback: enabled(rule.fallbackBackendId), ruleId: rule.id };
	}
	return null;
}

function byListing(name: string): RemoteRoute | null {
	for (const backend of listBackendEntries()) {
		if (!backend.row.enabled) continue;
		const model = unprefixed(backend, name);
		if (backend.row.prefix && model === name) continue;
		if (modelsOf(backend).includes(model)) return { backend, model, fallback: null, ruleId: null };
	}
	return null;
}

/** The remote route for a model name, or null when the local pool serves it (or answers 404). */
export async function remoteRouteFor(name: string): Promise<RemoteRoute | null> {
	if (!hasRemote() || name.length > MAX_NAME) return null;
	const forced = byRule(name, true);
	if (forced) return forced;
	// Only a name some backend would serve needs the local check.
	const remote = byRule(name, false) ?? byListing(name);
	return remote && !(await isLocal(name)) ? remote : null;
}

/** A key limited to some models reaches a remote model only by the name it requests. */
export function checkAllowed(caller: Caller, name: string): void {
	if (caller.allowedModels && !caller.allowedModels.includes(name)) {
		throw new ForbiddenError(`This API key may not use the model '${name}'`, 'model_not_allowed');
	}
}

/** The backends' models for `/v1/models`, owned by the backend's name, limited to what the key may use. */
export function remoteModelObjects(caller: Caller, taken: Set<string>): ModelObject[] {
	const out: ModelObject[] = [];
	for (const backend of listBackendEntries()) {
		if (!backend.row.enabled) continue;
		const created = Math.floor((backend.row.discoveredAt ?? backend.row.createdAt).getTime() / 1000);
		for (const model of modelsOf(backend)) {
			const id = publicName(backend, model);
			if (taken.has(id) || (caller.allowedModels && !caller.allowedModels.includes(id))) continue;
			taken.add(id);
			out.push({ id, object: 'model', created, owned_by: backend.row.name });
		}
	}
	return out;
}
