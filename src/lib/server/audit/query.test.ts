import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb, schema } from '../db';
import { validate } from '../http/parse';
import { AuditListQuery, whereFor } from './filters';
import { iterateAuditLogs, listAuditLogs, recentFor } from './query';
import { auditStats } from './stats';
import { callerFor, fakeRow, useTempDatabase } from './testing';

const admin = callerFor('admin', true);
const alice = callerFor('alice');
const q = (params: Record<string, string> = {}) => validate(AuditListQuery, params);

beforeAll(async () => {
	await useTempDatabase();
	const db = getDb();
	await db.insert(schema.users).values([
		{ id: 'alice', email: 'alice@example.com', passwordHash: 'x', status: 'approved' },
		{ id: 'bob', email: 'bob@example.com', passwordHash: 'x', status: 'approved' }
	]);
	const rows = [];
	for (let i = 0; i < 250; i++) {
		rows.push(
			fakeRow({
				userId: i % 2 ? 'alice' : 'bob',
				userEmail: i % 2 ? 'alice@example.com' : 'bob@example.com',
				model: i % 5 === 0 ? 'other/model' : 'test/tiny',
				status: i % 10 === 0 ? 'error' : 'success',
				durationMs: i,
				// Pairs of rows share a timestamp so the id breaks ties.
				timestamp: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 2) * 60_000)
			})
		);
	}
	await db.insert(schema.auditLogs).values(rows);
});

async function allPages(params: Record<string, string>, caller = admin) {
	const ids: number[] = [];
	let cursor: string | null = null;
	do {
		const page = await listAuditLogs(caller, q({ ...params, ...(cursor ? { cursor } : {}) }));
		ids.push(...page.items.map((r) => r.id));
		cursor = page.next_cursor;
	} while (cursor);
	return ids;
}

describe('audit queries', () => {
	it('pages newest first with a cursor, without gaps or repeats', async () => {
		const first = await listAuditLogs(admin, q({ limit: '100' }));
		expect(first.items).toHaveLength(100);
		expect(first.limit).toBe(100);
		const ids = await allPages({ limit: '100' });
		expect(ids).toHaveLength(250);
		expect(new Set(ids).size).toBe(250);
		expect(ids).toEqual([...ids].sort((a, b) => b - a));
		const last = await listAuditLogs(admin, q({ limit: '1000' }));
		expect(last.next_cursor).toBeNull();
	});

	it('offset pages agree with cursor pages', async () => {
		const byOffset = await listAuditLogs(admin, q({ limit: '50', offset: '100' }));
		const ids = await allPages({ limit: '50' });
		expect(byOffset.items.map((r) => r.id)).toEqual(ids.slice(100, 150));
	});

	it('filters by model, status, user (email or id) and time range', async () => {
		const byModel = await allPages({ model: 'other/model' });
		expect(byModel).toHaveLength(50);
		const errors = await listAuditLogs(admin, q({ status: 'error' }));
		expect(errors.items.every((r) => r.status === 'error')).toBe(true);
		expect(errors.items).toHaveLength(25);
		expect(await allPages({ user: 'alice@example.com' })).toEqual(await allPages({ user: 'alice' }));
		expect(await allPages({ user: 'ALICE@example.com' })).toHaveLength(125);
		const range = await allPages({ start_time: '2026-01-01T00:10:00Z', end_time: '2026-01-01T00:19:00Z' });
		expect(range).toHaveLength(20);
	});

	it('shows a non-admin only their own rows whatever they ask for', async () => {
		const ids = await allPages({ user: 'bob' }, alice);
		expect(ids).toHaveLength(125);
		const page = await listAuditLogs(alice, q({ limit: '1000' }));
		expect(page.items.every((r) => r.user_id === 'alice')).toBe(true);
		const recent = await recentFor(alice, 100);
		expect(recent).toHaveLength(100);
		expect(recent.every((r) => r.userId === 'alice')).toBe(true);
		expect(recent[0].timestamp <= recent[99].timestamp).toBe(true);
	});

	it('exports every matching row in pages', async () => {
		let count = 0;
		for await (const page of iterateAuditLogs(admin, { status: 'success' }, 40)) count += page.length;
		expect(count).toBe(225);
	});

	it('stats agree with the rows', async () => {
		const stats = await auditStats(admin, {});
		expect(stats.total_requests).toBe(250);
		expect(stats.by_status).toEqual({ success: 225, error: 25 });
		expect(stats.by_model).toEqual({ 'test/tiny': 200, 'other/model': 50 });
		expect(stats.by_user).toEqual({ 'alice@example.com': 125, 'bob@example.com': 125 });
		expect(stats.unique_models).toBe(2);
		expect(stats.avg_duration_ms).toBe(125); // mean of 0..249 = 124.5
		expect(stats.p95_duration_ms).toBe(237); // nearest rank: the 238th of 250
		expect(stats.tokens).toEqual({ prompt: 2500, completion: 5000, total: 7500 });
		const mine = await auditStats(alice, { status: 'error' });
		expect(mine.total_requests).toBe(0);
		expect(mine.avg_duration_ms).toBeNull();
		expect(mine.p95_duration_ms).toBeNull();
	});

	it('serves a filtered page from an index, newest first, without sorting', async () => {
		const db = getDb();
		for (const [caller, filters] of [
			[admin, {}],
			[admin, { model: 'test/tiny' }],
			[admin, { status: 'error' as const }],
			[alice, {}],
			[admin, { start_time: new Date(0) }]
		] as const) {
			const where = await whereFor(caller, filters, { t: Date.now(), id: 1e9 });
			const t = schema.auditLogs;
			const plan = await db.all<{ detail: string }>(
				sql`EXPLAIN QUERY PLAN SELECT * FROM ${t} WHERE ${where} ORDER BY ${t.timestamp} DESC, ${t.id} DESC LIMIT 101`
			);
			const text = plan.map((p) => p.detail).join(' | ');
			expect(text).toMatch(/USING INDEX audit_logs_\w+_idx/);
			expect(text).not.toMatch(/TEMP B-TREE/);
		}
	});
});

describe('insertAuditRows', () => {
	it('stores a batch and returns each row with its id, in order', async () => {
		const { insertAuditRows } = await import('./store');
		const rows = [fakeRow({ requestId: 'batch-a', errorMessage: "it's, \"quoted\"" }), fakeRow({ requestId: 'batch-b', ttftMs: null })];
		const stored = await insertAuditRows(rows);
		expect(stored.map((r) => r.requestId)).toEqual(['batch-a', 'batch-b']);
		expect(stored[1].id).toBe(stored[0].id + 1);
		const page = await listAuditLogs(admin, q({ limit: '1000' }));
		const a = page.items.find((r) => r.id === stored[0].id)!;
		expect(a.request_id).toBe('batch-a');
		expect(a.error_message).toBe("it's, \"quoted\"");
		expect(a.timestamp).toBe(rows[0].timestamp.toISOString());
	});
});
