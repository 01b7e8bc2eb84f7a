/**
 * Remote backends: other inference servers (vLLM, llama-server, another LLM Manager, hosted APIs)
 * that `/v1` routes requests to, with the same credentials, allow-lists, audit and limits as local
 * models. Configured by administrators on `/api/backends` and `/api/routing`.
 */
import type { BackendView } from '$lib/types/backends';
import type { Caller } from '../auth/types';
import { listModelObjects } from '../inference/target';
import type { ModelObject } from '../inference/openai';
import { checkBackend, startChecks, stopChecks } from './discovery';
import { forget, healthView } from './health';
import { remoteModelObjects, remoteRouteFor } from './route';
import { backendEntry, createBackend, deleteBackend, listBackendEntries, loadBackends, modelsOf, publicName, updateBackend, type BackendEntry } from './store';
import type { CreateBackend, UpdateBackend } from './schemas';

export { CreateBackend, UpdateBackend, CreateRule, UpdateRule, RouteTest, BACKEND_KINDS, MATCH_TYPES } from './schemas';
export { listRules, createRule, updateRule, deleteRule } from './rules';
export { routed } from './routed';
export { BackendError } from './client';
export { CHECK_INTERVAL_MS } from './discovery';

/** The wire shape: never the key or header values. */
export function toWire(entry: BackendEntry): BackendView {
	const r = entry.row;
	return {
		id: r.id,
		name: r.name,
		kind: r.kind,
		base_url: r.baseUrl,
		api_key: { set: r.apiKeySealed !== null, last4: r.apiKeyLast4, unreadable: entry.unreadable },
		extra_headers: r.headerNames,
		prefix: r.prefix,
		models: r.models,
		discovered_models: r.discoveredModels,
		discovered_at: r.discoveredAt?.toISOString() ?? null,
		served_models: modelsOf(entry).map((m) => publicName(entry, m)),
		timeout_ms: r.timeoutMs,
		max_concurrent: r.maxConcurrent,
		enabled: r.enabled,
		health: healthView(r.id),
		created_at: r.createdAt.toISOString(),
		updated_at: r.updatedAt.toISOString()
	};
}

export function listBackends() {
	return listBackendEntries().map(toWire);
}

export function getBackend(id: string) {
	return toWire(backendEntry(id));
}

/** Creates a backend and lists its models right away (a failure is shown in its health, not refused). */
export async function addBackend(input: CreateBackend) {
	const entry = await createBackend(input);
	if (entry.row.enabled) await checkBackend(backendEntry(entry.row.id));
	return toWire(backendEntry(entry.row.id));
}

export async function changeBackend(id: string, input: UpdateBackend) {
	const entry = await updateBackend(id, input);
	if (input.base_url !== undefined || input.kind !== undefined || input.api_key !== undefined || input.extra_headers !== undefined) forget(id);
	if (entry.row.enabled) await checkBackend(backendEntry(id));
	return toWire(backendEntry(id));
}

export async function removeBackend(id: string): Promise<void> {
	await deleteBackend(id);
	forget(id);
}

/** "Test": lists the backend's models now and says why that failed, if it did (updates discovery and health). */
export async function testBackend(id: string) {
	return checkBackend(backendEntry(id));
}

/** "Refresh models": the same check, answering with the backend as it now is. */
export async function refreshBackend(id: string) {
	const result = await checkBackend(backendEntry(id));
	return { ...toWire(backendEntry(id)), test: result };
}

/** "Test a model name": where a request for it would go. */
export async function explainRoute(model: string) {
	const route = await remoteRouteFor(model);
	if (!route) return { model, target: 'local' as const, backend: null, upstream_model: null, fallback: null, rule_id: null };
	return {
		model,
		target: 'remote' as const,
		backend: route.backend.row.name,
		upstream_model: route.model,
		fallback: route.fallback?.row.name ?? null,
		rule_id: route.ruleId
	};
}

/** `/v1/models`: profiles and local models, then the backends' models (a local name wins a clash). */
export async function allModelObjects(caller: Caller): Promise<ModelObject[]> {
	const local = await listModelObjects(caller);
	return [...local, ...remoteModelObjects(caller, new Set(local.map((m) => m.id)))];
}

/** Start-up step: backends into memory, then the periodic check. */
export async function startBackends(): Promise<void> {
	await loadBackends();
	startChecks();
}

export { stopChecks as stopBackendChecks };
