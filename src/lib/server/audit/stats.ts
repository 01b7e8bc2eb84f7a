import { desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../auth/types';
import { getDb, schema } from '../db';
import type { AuditStats } from '$lib/types/audit';
import { whereFor, type AuditFilters } from './filters';
import { getAuditReader } from './reader';

export type { AuditStats };

export const MAX_GROUPS = 100;

export type Counted = { key: string; count: number };

/** The largest groups as an object, ties by name. */
export function topCounts(groups: Counted[], max = MAX_GROUPS): Record<string, number> {
	const merged = new Map<string, number>();
	for (const g of groups) merged.set(g.key, (merged.get(g.key) ?? 0) + g.count);
	return Object.fromEntries([...merged].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max));
}

/** Index of the nearest-rank percentile `p` (0–100) in `n` ascending values. */
export function percentileRank(n: number, p: number): number {
	return Math.max(0, Math.ceil((p / 100) * n) - 1);
}

const t = schema.auditLogs;
const n = () => sql<number>`count(*)`.mapWith(Number);
const total = (column: typeof t.durationMs | typeof t.promptTokens | typeof t.completionTokens) => sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number);

/** Current emails of users, else the email stored on their latest row (deleted accounts). */
async function userNames(ids: string[]): Promise<Map<string, string>> {
	const names = new Map<string, string>();
	if (ids.length === 0) return names;
	const db = getDb();
	const users = await db.select({ id: schema.users.id, email: schema.users.email }).from(schema.users).where(inArray(schema.users.id, ids));
	for (const u of users) names.set(u.id, u.email);
	for (const id of ids.filter((id) => !names.has(id))) {
		const [row] = await db.select({ email: t.userEmail }).from(t).where(eq(t.userId, id)).orderBy(desc(t.timestamp)).limit(1);
		if (row?.email) names.set(id, row.email);
	}
	return names;
}

/**
 * The p95 duration: the bounded sort of `ORDER BY … DESC LIMIT 1 OFFSET k` keeps only the top 5%,
 * far cheaper than sorting every row.
 */
async function p95(where: SQL | undefined, count: number): Promise<number | null> {
	if (count === 0) return null;
	const fromTop = count - 1 - percentileRank(count, 95);
	const query = getDb().select({ d: t.durationMs }).from(t).where(where).orderBy(desc(t.durationMs)).limit(1).offset(fromTop);
	const [row] = await getAuditReader().rows(query.toSQL());
	return row ? Number(row[0]) : null;
}

/**
 * Stats for the same caller and filters as the list, computed on the reader thread. Each grouping is
 * its own query so SQLite counts from the (column, timestamp, id) indexes without a temporary B-tree;
 * users are grouped by id (indexed) and named by email.
 */
export async function auditStats(caller: Caller, filters: AuditFilters): Promise<AuditStats> {
	const where = await whereFor(caller, filters);
	const db = getDb();
	const reader = getAuditReader();
	const [[count, duration, prompt, completion]] = (
		await reader.rows(
			db.select({ n: n(), d: total(t.durationMs), p: total(t.promptTokens), c: total(t.completionTokens) }).from(t).where(where).toSQL()
		)
	).map((r) => r.map(Number));
	const totals = { count, duration, prompt, completion };
	const grouped = async (column: typeof t.status | typeof t.model | typeof t.userId) =>
		(await reader.rows(db.select({ key: column, count: n() }).from(t).where(where).groupBy(column).toSQL())).map(
			([key, c]) => ({ key: key as string, count: Number(c) })
		);
	const byStatus = await grouped(t.status);
	const byModel = await grouped(t.model);
	const byUserId = (await grouped(t.userId)) as { key: string | null; count: number }[];
	const topUsers = byUserId.sort((a, b) => b.count - a.count).slice(0, MAX_GROUPS);
	const names = await userNames(topUsers.flatMap((u) => (u.key ? [u.key] : [])));
	const byUser = topUsers.map((u) => ({ key: u.key ? (names.get(u.key) ?? u.key) : 'anonymous', count: u.count }));
	return {
		total_requests: totals.count,
		by_status: topCounts(byStatus),
		by_model: topCounts(byModel),
		by_user: topCounts(byUser),
		unique_models: byModel.length,
		avg_duration_ms: totals.count > 0 ? Math.round(totals.duration / totals.count) : null,
		p95_duration_ms: await p95(where, totals.count),
		tokens: { prompt: totals.prompt, completion: totals.completion, total: totals.prompt + totals.completion }
	};
}
