/** Query, stats and retention parts of bench/audit.js at 1,000,000 rows. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { medianMs, now, round } from './stats.js';

const DAY = 86_400_000;

/** 1,000,000 rows over 30 days: 50 users, 20 models, ~5% errors, written in SQL for speed. */
async function seed(m, rows) {
	const start = now();
	const since = Date.now() - 30 * DAY;
	await m.getDb().run(sql.raw(`
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
		INSERT INTO audit_logs (request_id, timestamp, user_id, user_email, model, endpoint, backend_type, status,
			duration_ms, ttft_ms, prompt_tokens, completion_tokens, total_tokens)
		SELECT 'seed-' || i, ${since} + i * ${Math.floor((30 * DAY) / rows)}, 'user-' || (i % 50), 'user' || (i % 50) || '@example.com',
			'owner/model-' || (i % 20), '/v1/chat/completions', 'local',
			CASE WHEN i % 20 = 0 THEN 'error' WHEN i % 97 = 0 THEN 'cancelled' ELSE 'success' END,
			(i * 7919) % 5000, 20, 50, 200, 250 FROM n`));
	const seconds = round((now() - start) / 1000, 1);
	console.log(`seeded ${rows} rows in ${seconds} s`);
	return seconds;
}

export async function measureQueries(m, rows = 1_000_000) {
	const admin = { user: { id: 'admin', email: 'admin@example.com', isAdmin: true }, sessionId: null, apiKeyId: null, allowedModels: null, method: 'bearer' };
	const user = { ...admin, user: { id: 'user-7', email: 'user7@example.com', isAdmin: false } };
	const seedSeconds = await seed(m, rows);
	const q = (params) => m.validate(m.AuditListQuery, params);
	const middle = await m.listAuditLogs(admin, q({ limit: '1000', offset: '500000' }));
	const dayAgo = new Date(Date.now() - DAY).toISOString();
	const pages = {
		first_page: () => m.listAuditLogs(admin, q({})),
		cursor_page_at_500k: () => m.listAuditLogs(admin, q({ cursor: middle.next_cursor })),
		offset_page_at_500k: () => m.listAuditLogs(admin, q({ offset: '500000' })),
		model_filter: () => m.listAuditLogs(admin, q({ model: 'owner/model-3' })),
		status_filter: () => m.listAuditLogs(admin, q({ status: 'cancelled' })),
		own_rows_non_admin: () => m.listAuditLogs(user, q({})),
		last_day: () => m.listAuditLogs(admin, q({ start_time: dayAgo }))
	};
	const stats = {
		stats_all: () => m.auditStats(admin, {}),
		stats_one_user: () => m.auditStats(user, {}),
		stats_one_model: () => m.auditStats(admin, { model: 'owner/model-3' }),
		stats_last_day: () => m.auditStats(admin, { start_time: new Date(dayAgo) })
	};
	const result = { rows, seed_s: seedSeconds, page_of_100_ms: {}, stats_ms: {} };
	for (const [name, fn] of Object.entries(pages)) result.page_of_100_ms[name] = await medianMs(fn);
	for (const [name, fn] of Object.entries(stats)) result.stats_ms[name] = await medianMs(fn, 3);
	// Stats run on the reader thread: the event loop should keep turning meanwhile.
	const loop = monitorEventLoopDelay({ resolution: 5 });
	loop.enable();
	await stats.stats_all();
	loop.disable();
	result.event_loop_max_ms_during_stats = round(loop.max / 1e6);
	console.log(`longest event-loop stall during stats_all: ${result.event_loop_max_ms_during_stats} ms`);
	const t = m.schema.auditLogs;
	const where = await m.whereFor(admin, {}, { t: Date.now(), id: 1e12 });
	const plan = await m.getDb().all(sql`EXPLAIN QUERY PLAN SELECT * FROM ${t} WHERE ${where} ORDER BY ${t.timestamp} DESC, ${t.id} DESC LIMIT 101`);
	result.plan = plan.map((p) => p.detail).join(' | ');
	console.log('page of 100 (median ms):', result.page_of_100_ms);
	console.log('stats (median ms):', result.stats_ms);
	console.log('query plan (cursor page):', result.plan);

	// Retention: the oldest 10% (3 days) in batches of 1,000, timing the longest single batch.
	let longest = 0;
	const deleteBatch = async (cutoff, limit) => {
		const start = now();
		const r = await m.getDb().run(sql`DELETE FROM ${t} WHERE ${t.id} IN (SELECT ${t.id} FROM ${t} WHERE ${t.timestamp} < ${cutoff.getTime()} LIMIT ${limit})`);
		longest = Math.max(longest, now() - start);
		return r.rowsAffected;
	};
	const start = now();
	const deleted = await m.purgeAuditLogs(27, { deleteBatch });
	result.retention = { deleted, total_s: round((now() - start) / 1000), longest_batch_ms: round(longest) };
	console.log(`retention: ${deleted} rows in ${result.retention.total_s} s, longest batch ${result.retention.longest_batch_ms} ms`);
	return result;
}
