import { asc, sql } from 'drizzle-orm';
import type { Caller } from '../auth/types';
import { getDb, schema } from '../db';
import type { AuditStats } from '$lib/types/audit';
import { whereFor, type AuditFilters } from './filters';

export type { AuditStats };

export const MAX_GROUPS = 100;

export type StatsGroup = {
	status: string;
	model: string;
	user: string;
	count: number;
	duration: number;
	prompt: number;
	completion: number;
};

const top = (counts: Map<string, number>, max = MAX_GROUPS): Record<string, number> =>
	Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max));

function add(map: Map<string, number>, key: string, n: number): void {
	map.set(key, (map.get(key) ?? 0) + n);
}

/** Folds the (status, model, user) groups of one scan into the stats (without the percentile). */
export function summarize(groups: StatsGroup[]): Omit<AuditStats, 'p95_duration_ms'> {
	const byStatus = new Map<string, number>();
	const byModel = new Map<string, number>();
	const byUser = new Map<string, number>();
	let total = 0;
	let duration = 0;
	let prompt = 0;
	let completion = 0;
	for (const g of groups) {
		add(byStatus, g.status, g.count);
		add(byModel, g.model, g.count);
		add(byUser, g.user, g.count);
		total += g.count;
		duration += g.duration;
		prompt += g.prompt;
		completion += g.completion;
	}
	return {
		total_requests: total,
		by_status: top(byStatus),
		by_model: top(byModel),
		by_user: top(byUser),
		unique_models: byModel.size,
		avg_duration_ms: total > 0 ? Math.round(duration / total) : null,
		tokens: { prompt, completion, total: prompt + completion }
	};
}

/** Index of the nearest-rank percentile `p` (0–100) in `n` sorted values. */
export function percentileRank(n: number, p: number): number {
	return Math.max(0, Math.ceil((p / 100) * n) - 1);
}

const t = schema.auditLogs;

/** Stats for the same caller and filters as the list: one grouped scan plus one percentile probe. */
export async function auditStats(caller: Caller, filters: AuditFilters): Promise<AuditStats> {
	const where = await whereFor(caller, filters);
	const db = getDb();
	const groups = await db
		.select({
			status: t.status,
			model: t.model,
			user: sql<string>`coalesce(${t.userEmail}, ${t.userId}, 'anonymous')`,
			count: sql<number>`count(*)`,
			duration: sql<number>`coalesce(sum(${t.durationMs}), 0)`,
			prompt: sql<number>`coalesce(sum(${t.promptTokens}), 0)`,
			completion: sql<number>`coalesce(sum(${t.completionTokens}), 0)`
		})
		.from(t)
		.where(where)
		.groupBy(t.status, t.model, sql`3`);
	const summary = summarize(groups.map((g) => ({ ...g, count: Number(g.count), duration: Number(g.duration), prompt: Number(g.prompt), completion: Number(g.completion) })));
	let p95: number | null = null;
	if (summary.total_requests > 0) {
		const [row] = await db
			.select({ d: t.durationMs })
			.from(t)
			.where(where)
			.orderBy(asc(t.durationMs))
			.limit(1)
			.offset(percentileRank(summary.total_requests, 95));
		p95 = row?.d ?? null;
	}
	return { ...summary, p95_duration_ms: p95 };
}
