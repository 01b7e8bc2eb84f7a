/** Routing rules: which requested model names go to which backend. Stored in the database, matched from memory. */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { getDb, schema } from '../db';
import { BadRequestError, NotFoundError } from '../http/errors';
import type { CreateRule, MatchType, UpdateRule } from './schemas';
import { cache, loadBackends } from './store';

/** `*` any run of characters, `?` one character; everything else literal. */
function globToRegExp(glob: string): RegExp {
	const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
	return new RegExp(`^${body}$`);
}

const compiled = new Map<string, RegExp>();

function regexOf(type: MatchType, pattern: string): RegExp {
	const key = `${type}\u0000${pattern}`;
	let re = compiled.get(key);
	if (!re) {
		re = type === 'glob' ? globToRegExp(pattern) : new RegExp(pattern);
		if (compiled.size > 1000) compiled.clear();
		compiled.set(key, re);
	}
	return re;
}

export function ruleMatches(rule: Pick<schema.RoutingRule, 'matchType' | 'pattern'>, model: string): boolean {
	switch (rule.matchType) {
		case 'exact':
			return model === rule.pattern;
		case 'prefix':
			return model.startsWith(rule.pattern);
		default:
			return regexOf(rule.matchType, rule.pattern).test(model);
	}
}

/** Enabled rules, highest priority first (ties: the older rule first). */
export function activeRules(): schema.RoutingRule[] {
	return cache.rules
		.filter((r) => r.enabled)
		.sort((a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

export function ruleToWire(r: schema.RoutingRule) {
	return {
		id: r.id,
		match_type: r.matchType,
		pattern: r.pattern,
		priority: r.priority,
		backend_id: r.backendId,
		backend: cache.backends.get(r.backendId)?.row.name ?? null,
		target_model: r.targetModel,
		fallback_backend_id: r.fallbackBackendId,
		fallback_backend: r.fallbackBackendId ? (cache.backends.get(r.fallbackBackendId)?.row.name ?? null) : null,
		override_local: r.overrideLocal,
		enabled: r.enabled,
		created_at: r.createdAt.toISOString()
	};
}

export function listRules() {
	return [...cache.rules]
		.sort((a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime())
		.map(ruleToWire);
}

function ruleRow(id: string): schema.RoutingRule {
	const rule = cache.rules.find((r) => r.id === id);
	if (!rule) throw new NotFoundError('No such routing rule', 'rule_not_found');
	return rule;
}

function checkTargets(backendId: string, fallbackId: string | null): void {
	if (!cache.backends.has(backendId)) throw new BadRequestError('backend_id: no such backend', 'backend_not_found');
	if (fallbackId !== null && !cache.backends.has(fallbackId)) throw new BadRequestError('fallback_backend_id: no such backend', 'backend_not_found');
	if (fallbackId === backendId) throw new BadRequestError('fallback_backend_id: must be another backend than backend_id', 'invalid_value');
}

function checkPattern(type: MatchType, pattern: string): void {
	if (type !== 'regex') return;
	try {
		new RegExp(pattern);
	} catch {
		throw new BadRequestError('pattern: is not a valid regular expression', 'invalid_value');
	}
}

export async function createRule(input: CreateRule) {
	checkTargets(input.backend_id, input.fallback_backend_id);
	const id = randomUUID();
	await getDb().insert(schema.routingRules).values({
		id,
		matchType: input.match_type,
		pattern: input.pattern,
		priority: input.priority,
		backendId: input.backend_id,
		targetModel: input.target_model,
		fallbackBackendId: input.fallback_backend_id,
		overrideLocal: input.override_local,
		enabled: input.enabled
	});
	await loadBackends();
	return ruleToWire(ruleRow(id));
}

export async function updateRule(id: string, input: UpdateRule) {
	const before = ruleRow(id);
	const next = {
		matchType: input.match_type ?? before.matchType,
		pattern: input.pattern ?? before.pattern,
		priority: input.priority ?? before.priority,
		backendId: input.backend_id ?? before.backendId,
		targetModel: input.target_model === undefined ? before.targetModel : input.target_model,
		fallbackBackendId: input.fallback_backend_id === undefined ? before.fallbackBackendId : input.fallback_backend_id,
		overrideLocal: input.override_local ?? before.overrideLocal,
		enabled: input.enabled ?? before.enabled
	};
	checkTargets(next.backendId, next.fallbackBackendId);
	checkPattern(next.matchType, next.pattern);
	await getDb().update(schema.routingRules).set(next).where(eq(schema.routingRules.id, id));
	await loadBackends();
	return ruleToWire(ruleRow(id));
}

export async function deleteRule(id: string): Promise<void> {
	ruleRow(id);
	await getDb().delete(schema.routingRules).where(eq(schema.routingRules.id, id));
	await loadBackends();
}
