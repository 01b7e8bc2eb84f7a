/**
 * Audit query, stats, export and socket against the built server, with rows written straight into its
 * database (the /v1 requests that produce them are covered in audit-v1.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';
import { openAuditSocket, seedAuditRows, type SeedRow } from '../helpers/audit';
import { csvObjects } from '../helpers/csv';

let server: TestServer;
let admin: SignedIn;
let bob: SignedIn;
let carol: SignedIn;
const T0 = Date.UTC(2026, 0, 1);

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com');
	bob = await signUp(server, 'bob@example.com', undefined, admin.token);
	carol = await signUp(server, 'carol@example.com', undefined, admin.token);
	const rows: SeedRow[] = [];
	for (let i = 0; i < 330; i++) {
		const user = [admin, bob, carol][i % 3];
		rows.push({
			request_id: `seed-${i}`,
			timestamp: T0 + Math.floor(i / 3) * 60_000,
			user_id: user.id,
			user_email: user.email,
			model: i % 4 === 0 ? 'owner/big' : 'owner/small',
			status: i % 11 === 0 ? 'error' : i % 13 === 0 ? 'cancelled' : 'success',
			duration_ms: 100 + i,
			ttft_ms: i % 11 === 0 ? null : 10,
			prompt_tokens: 3,
			completion_tokens: i % 5,
			error_type: i % 11 === 0 ? 'model_not_found' : null,
			error_message: i === 0 ? '=HYPERLINK("http://evil"), "quoted"\nline two' : i === 11 ? 'x;=1+1' : i % 11 === 0 ? 'not found' : null
		});
	}
	await seedAuditRows(server.dataDir, rows);
});

afterAll(async () => {
	await server?.stop();
});

const get = (path: string, who: SignedIn = admin) => call(server, 'GET', path, { token: who.token });

async function allRows(query: string, who: SignedIn = admin) {
	const items: any[] = [];
	let cursor: string | null = null;
	do {
		const res = await get(`/api/system/audit-logs?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, who);
		expect(res.status).toBe(200);
		items.push(...res.body.items);
		cursor = res.body.next_cursor;
	} while (cursor);
	return items;
}

describe('GET /api/system/audit-logs', () => {
	it('needs a signed-in user', async () => {
		for (const path of ['/api/system/audit-logs', '/api/system/audit-logs/stats', '/api/system/audit-logs/export']) {
			expect((await call(server, 'GET', path)).status).toBe(401);
		}
	});

	it('answers {items, next_cursor, limit} newest first and pages without gaps', async () => {
		const first = await get('/api/system/audit-logs');
		expect(first.body.limit).toBe(100);
		expect(first.body.items).toHaveLength(100);
		expect(Object.keys(first.body.items[0]).sort()).toEqual(
			['api_key_id', 'backend', 'backend_type', 'cached_tokens', 'completion_tokens', 'duration_ms', 'endpoint', 'error_message', 'error_type', 'id', 'model', 'prompt_tokens', 'request_id', 'status', 'timestamp', 'total_tokens', 'ttft_ms', 'user_email', 'user_id'].sort()
		);
		const all = await allRows('');
		expect(all).toHaveLength(330);
		expect(new Set(all.map((r) => r.id)).size).toBe(330);
		const times = all.map((r) => r.timestamp);
		expect(times).toEqual([...times].sort().reverse());
		const byOffset = await get('/api/system/audit-logs?limit=50&offset=100');
		expect(byOffset.body.items.map((r: any) => r.id)).toEqual(all.slice(100, 150).map((r) => r.id));
	});

	it('filters by model, status, user and time range, and stats agree', async () => {
		const cases = ['model=owner%2Fbig', 'status=error', `user=${bob.email}`, `user=${bob.id}`, 'start_time=2026-01-01T00:30:00Z&end_time=2026-01-01T01:00:00Z', 'model=owner%2Fsmall&status=success'];
		for (const query of cases) {
			const rows = await allRows(query);
			const stats = (await get(`/api/system/audit-logs/stats?${query}`)).body;
			expect(stats.total_requests).toBe(rows.length);
			const count = (key: string) => rows.reduce((acc: Record<string, number>, r) => ((acc[r[key] ?? ''] = (acc[r[key] ?? ''] ?? 0) + 1), acc), {});
			expect(stats.by_status).toEqual(count('status'));
			expect(stats.by_model).toEqual(count('model'));
			expect(stats.by_user).toEqual(count('user_email'));
			expect(stats.unique_models).toBe(Object.keys(count('model')).length);
			const durations = rows.map((r) => r.duration_ms).sort((a, b) => a - b);
			expect(stats.avg_duration_ms).toBe(Math.round(durations.reduce((a, b) => a + b, 0) / rows.length));
			expect(stats.p95_duration_ms).toBe(durations[Math.ceil(0.95 * rows.length) - 1]);
			const prompt = rows.reduce((a, r) => a + r.prompt_tokens, 0);
			const completion = rows.reduce((a, r) => a + r.completion_tokens, 0);
			expect(stats.tokens).toEqual({ prompt, completion, total: prompt + completion });
		}
		expect(await allRows('status=error')).toHaveLength(30);
		expect((await allRows(`user=${bob.email}`)).every((r) => r.user_id === bob.id)).toBe(true);
		expect(await allRows('start_time=2026-01-01T00:30:00Z&end_time=2026-01-01T01:00:00Z')).toHaveLength(93);
	});

	it('shows a non-admin only their own rows, whatever they ask', async () => {
		const mine = await allRows('', bob);
		expect(mine).toHaveLength(110);
		expect(mine.every((r) => r.user_id === bob.id)).toBe(true);
		expect(await allRows(`user=${carol.id}`, bob)).toHaveLength(110);
		expect((await get('/api/system/audit-logs/stats', bob)).body.by_user).toEqual({ [bob.email]: 110 });
	});

	it.each([
		['start_time=yesterday', 'start_time'],
		['end_time=2026-02-30T25:00', 'end_time'],
		['start_time=2026-02-01&end_time=2026-01-01', 'end_time'],
		['limit=1001', 'limit'],
		['limit=-1', 'limit'],
		['offset=x', 'offset'],
		['status=finished', 'status'],
		['cursor=bm9wZQ', 'cursor'],
		['offset=5&cursor=abc', 'cursor'],
		['colour=blue', '']
	])('refuses %s with 400 naming the parameter', async (query, field) => {
		const res = await get(`/api/system/audit-logs?${query}`);
		expect(res.status).toBe(400);
		expect(res.body.code).toBe('invalid_request');
		expect(res.body.issues.map((i: any) => i.path)).toContain(field);
	});

	it('refuses bad stats and export parameters too', async () => {
		expect((await get('/api/system/audit-logs/stats?status=nope')).status).toBe(400);
		expect((await get('/api/system/audit-logs/stats?limit=5')).status).toBe(400);
		expect((await get('/api/system/audit-logs/export?format=xlsx')).status).toBe(400);
		expect((await get('/api/system/audit-logs/export?end_time=soon')).status).toBe(400);
	});
});

describe('GET /api/system/audit-logs/export', () => {
	it('streams CSV with the SPEC columns that parses back to the same rows, with the session cookie', async () => {
		const res = await fetch(`${server.url}/api/system/audit-logs/export?format=csv&model=owner%2Fbig`, { headers: { cookie: admin.cookie } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
		expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-logs-\d{8}-\d{6}\.csv"$/);
		const text = await res.text();
		expect(text.split('\r\n')[0]).toBe('timestamp,request_id,user_email,model,endpoint,status,duration_ms,ttft_ms,prompt_tokens,completion_tokens,total_tokens,error_type,error_message,backend');
		const parsed = csvObjects(text);
		const rows = await allRows('model=owner%2Fbig');
		expect(parsed).toHaveLength(rows.length);
		const str = (v: unknown) => (v === null ? '' : String(v));
		for (const [i, row] of rows.entries()) {
			const csv = parsed[i];
			for (const key of Object.keys(csv)) {
				if (key === 'error_message' && row.request_id === 'seed-0') continue;
				expect(csv[key]).toBe(str(row[key]));
			}
		}
		// A cell a spreadsheet would run as a formula is defused; quotes and line breaks survive.
		const first = parsed.find((r) => r.request_id === 'seed-0')!;
		expect(first.error_message).toBe(`'=HYPERLINK("http://evil"), "quoted"\nline two`);
	});

	it('quotes a cell that a semicolon-separated import would split into a formula', async () => {
		const res = await fetch(`${server.url}/api/system/audit-logs/export?format=csv&status=error`, { headers: { cookie: admin.cookie } });
		const line = (await res.text()).split('\r\n').find((l) => l.includes(',seed-11,'))!;
		expect(line.endsWith(',model_not_found,"x;=1+1",')).toBe(true); // then the backend: none
	});

	it('streams JSONL that parses back to the same rows', async () => {
		const res = await fetch(`${server.url}/api/system/audit-logs/export?format=jsonl&status=success`, { headers: { cookie: bob.cookie } });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.jsonl"$/);
		const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
		expect(lines).toEqual(await allRows('status=success', bob));
	});
});

describe('WS /api/system/ws/audit-logs', () => {
	it('refuses a missing or bad credential with 1008 and no message', async () => {
		for (const auth of [{}, { token: 'nope' }]) {
			const socket = openAuditSocket(server.url, auth);
			expect((await socket.closed).code).toBe(1008);
			expect(socket.messages).toEqual([]);
		}
	});

	it('sends hello then the last 100 rows the user may see, oldest first', async () => {
		const socket = openAuditSocket(server.url, { cookie: bob.cookie });
		await socket.waitFor(() => socket.logs().length === 100);
		expect(socket.messages[0]).toEqual({ type: 'hello' });
		const logs = socket.logs();
		expect(logs.every((r) => r.user_id === bob.id)).toBe(true);
		const expected = (await allRows('', bob)).slice(0, 100).reverse();
		expect(logs.map((r) => r.id)).toEqual(expected.map((r) => r.id));
		socket.ws.close();
	});

	it('disconnects a user who signs out or is disabled', async () => {
		const bySignOut = openAuditSocket(server.url, { token: carol.token });
		await bySignOut.waitFor(() => bySignOut.messages.length > 0);
		expect((await call(server, 'POST', '/api/auth/logout', { token: carol.token })).status).toBe(204);
		expect((await bySignOut.closed).code).toBe(1008);

		const byDisable = openAuditSocket(server.url, { cookie: bob.cookie });
		await byDisable.waitFor(() => byDisable.messages.length > 0);
		expect((await call(server, 'PUT', `/api/auth/users/${bob.id}`, { token: admin.token, body: { status: 'disabled' } })).status).toBe(200);
		expect((await byDisable.closed).code).toBe(1008);
		expect((await get('/api/system/audit-logs', bob)).status).toBe(401);
	});
});

describe('the model filter', () => {
	it('matches a part of the model id, and % or _ only match themselves', async () => {
		const part = await allRows('model=big');
		expect(part.length).toBeGreaterThan(0);
		expect(part.every((r) => r.model === 'owner/big')).toBe(true);
		const both = await allRows('model=owner%2F');
		expect(new Set(both.map((r) => r.model))).toEqual(new Set(['owner/big', 'owner/small']));
		expect(await allRows('model=%25')).toEqual([]);
		expect(await allRows('model=owner_big')).toEqual([]);
	});
});
