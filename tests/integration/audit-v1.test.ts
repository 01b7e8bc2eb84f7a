/**
 * Audit rows from real /v1 requests against the built server with a generated model: statuses,
 * durations and tokens, no prompt text anywhere, exports, per-user visibility, and the live socket.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signIn, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';
import { openAuditSocket } from '../helpers/audit';
import { openRawSocket } from '../helpers/raw-ws';
import { csvObjects } from '../helpers/csv';

const MODEL = 'test/tiny/model.gguf';
const MARKER = `secret-marker-${Date.now().toString(36)}-e7c1`;
let server: TestServer;
let admin: SignedIn;
let bob: SignedIn;
let carol: SignedIn;

beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL));
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	bob = await signUp(server, 'bob@example.com', undefined, admin.token);
	carol = await signUp(server, 'carol@example.com', undefined, admin.token);
});

afterAll(async () => {
	await server?.stop();
});

const chat = (who: SignedIn, body: object, signal?: AbortSignal) =>
	fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `Say hi ${MARKER}` }], max_tokens: 8, ...body }),
		signal
	});

/** The row of a request, polled until written. */
async function rowOf(requestId: string, who: SignedIn = admin) {
	for (let i = 0; i < 100; i++) {
		const res = await call(server, 'GET', '/api/system/audit-logs?limit=1000', { token: who.token });
		const row = res.body.items.find((r: any) => r.request_id === requestId);
		if (row) return row;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`no audit row for ${requestId}`);
}

const idFrom = (completionId: string) => completionId.replace(/^chatcmpl-/, '');

describe('audit rows of /v1 requests', () => {
	it('records a plain request with its caller, tokens and durations', async () => {
		const res = await chat(bob, {});
		expect(res.status).toBe(200);
		const body = await res.json();
		const row = await rowOf(idFrom(body.id));
		expect(row).toMatchObject({
			user_id: bob.id,
			user_email: bob.email,
			model: MODEL,
			endpoint: '/v1/chat/completions',
			backend_type: 'local',
			status: 'success',
			prompt_tokens: body.usage.prompt_tokens,
			completion_tokens: body.usage.completion_tokens,
			total_tokens: body.usage.total_tokens,
			error_type: null,
			error_message: null
		});
		expect(row.completion_tokens).toBeGreaterThan(0);
		expect(row.duration_ms).toBeGreaterThan(0);
		expect(row.ttft_ms).toBeGreaterThanOrEqual(0);
		expect(row.ttft_ms).toBeLessThanOrEqual(row.duration_ms);
	});

	it('records a streamed request when the stream ends, with its usage', async () => {
		const res = await chat(bob, { stream: true, stream_options: { include_usage: true }, max_tokens: 12 });
		const text = await res.text();
		const events = text.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
		const usage = events.find((e) => e.usage)?.usage;
		const row = await rowOf(idFrom(events[0].id));
		expect(row.status).toBe('success');
		expect(row.prompt_tokens).toBe(usage.prompt_tokens);
		expect(row.completion_tokens).toBe(usage.completion_tokens);
		expect(row.ttft_ms).toBeLessThanOrEqual(row.duration_ms);
	});

	it('records a failed request (unknown model) as an error', async () => {
		const res = await chat(bob, { model: 'nobody/nothing/missing.gguf' });
		expect(res.status).toBe(404);
		const query = '/api/system/audit-logs?status=error&model=nobody%2Fnothing%2Fmissing.gguf';
		await expect.poll(async () => (await call(server, 'GET', query, { token: admin.token })).body.items.length).toBe(1);
		const row = (await call(server, 'GET', query, { token: admin.token })).body.items[0];
		expect(row).toMatchObject({ status: 'error', error_type: 'model_not_found', user_id: bob.id, completion_tokens: 0, ttft_ms: null });
		expect(row.error_message).toContain('does not exist');
	});

	it('records a stream the client abandons as cancelled, after it ends', async () => {
		const controller = new AbortController();
		const res = await chat(bob, { stream: true, max_tokens: 4000 }, controller.signal);
		const reader = res.body!.getReader();
		const first = new TextDecoder().decode((await reader.read()).value);
		const id = idFrom(JSON.parse(first.split('\n\n')[0].slice(6)).id);
		controller.abort();
		const row = await rowOf(id);
		expect(row.status).toBe('cancelled');
		expect(row.completion_tokens).toBeLessThan(4000);
		expect(row.duration_ms).toBeGreaterThan(0);
	});

	it('never stores, exports or logs the prompt text', async () => {
		const csv = await (await fetch(`${server.url}/api/system/audit-logs/export?format=csv`, { headers: { cookie: admin.cookie } })).text();
		const jsonl = await (await fetch(`${server.url}/api/system/audit-logs/export?format=jsonl`, { headers: { cookie: admin.cookie } })).text();
		expect(csvObjects(csv).length).toBeGreaterThanOrEqual(4);
		expect(csv).not.toContain(MARKER);
		expect(jsonl).not.toContain(MARKER);
		expect(server.logs()).not.toContain(MARKER);
		const files = fs.readdirSync(server.dataDir).filter((f) => f.startsWith('llm-manager.db'));
		expect(files).toContain('llm-manager.db');
		for (const file of files) {
			expect(fs.readFileSync(path.join(server.dataDir, file)).includes(Buffer.from(MARKER)), file).toBe(false);
		}
	});

	it('exports rows that parse back to the listed ones', async () => {
		const list = (await call(server, 'GET', '/api/system/audit-logs?limit=1000', { token: admin.token })).body.items;
		const jsonl = await (await fetch(`${server.url}/api/system/audit-logs/export?format=jsonl`, { headers: { authorization: `Bearer ${admin.token}` } })).text();
		expect(jsonl.trim().split('\n').map((l) => JSON.parse(l))).toEqual(list);
		const csv = csvObjects(await (await fetch(`${server.url}/api/system/audit-logs/export?format=csv`, { headers: { authorization: `Bearer ${admin.token}` } })).text());
		expect(csv.map((r) => [r.request_id, r.status, Number(r.duration_ms), Number(r.total_tokens)])).toEqual(
			list.map((r: any) => [r.request_id, r.status, r.duration_ms, r.total_tokens])
		);
	});
});

describe('live audit socket with /v1 traffic', () => {
	it('delivers a new row within a second of the request ending, only to who may see it', async () => {
		const adminSocket = openAuditSocket(server.url, { cookie: admin.cookie });
		const carolSocket = openAuditSocket(server.url, { token: carol.token });
		await adminSocket.waitFor(() => adminSocket.messages.some((m) => m.type === 'hello'));
		await carolSocket.waitFor(() => carolSocket.messages.some((m) => m.type === 'hello'));
		const backlog = adminSocket.logs().length;
		expect(backlog).toBeGreaterThanOrEqual(4);

		const body = await (await chat(bob, {})).json();
		await adminSocket.waitFor(() => adminSocket.logs().some((r) => r.request_id === idFrom(body.id)), 1000);
		const mine = await (await chat(carol, {})).json();
		await carolSocket.waitFor(() => carolSocket.logs().some((r) => r.request_id === idFrom(mine.id)), 1000);
		expect(carolSocket.logs().every((r) => r.user_id === carol.id)).toBe(true);
		const carolRows = (await call(server, 'GET', '/api/system/audit-logs?limit=1000', { token: carol.token })).body.items;
		expect(carolRows.map((r: any) => r.user_id)).toEqual([carol.id]);
		adminSocket.ws.close();
		carolSocket.ws.close();
	});

	it('closes a client that stops reading (1013) while a fast one keeps getting every row', async () => {
		const fast = openAuditSocket(server.url, { token: admin.token });
		await fast.waitFor(() => fast.messages.some((m) => m.type === 'hello'));
		const slow = await openRawSocket(`${server.url.replace('http', 'ws')}/api/system/ws/audit-logs?token=${admin.token}`);
		slow.stopReading();
		// Cheap requests (unknown model) with long names make ~2 KB rows; send until the server gives up on the slow client.
		const name = `nobody/${'x'.repeat(1000)}.gguf`;
		let sent = 0;
		while (!server.logs().includes('closing a websocket client that cannot keep up')) {
			expect(sent).toBeLessThan(20_000);
			await Promise.all(Array.from({ length: 50 }, () => chat(bob, { model: name }).then((r) => r.arrayBuffer())));
			sent += 50;
		}
		const { closeCode } = await slow.readUntilClosed();
		expect(closeCode).toBe(1013);
		await fast.waitFor(() => fast.logs().filter((r) => r.model === name).length === sent);
		expect(fast.ws.readyState).toBe(fast.ws.OPEN);
		fast.ws.close();
	}, 120_000);
});

describe('shutdown', () => {
	it('writes the rows of requests that ended just before SIGTERM', async () => {
		const ids = await Promise.all(
			Array.from({ length: 5 }, async () => idFrom((await (await chat(bob, { max_tokens: 2 })).json()).id))
		);
		expect(await server.stop('SIGTERM')).toBe(0);
		server = await startServer({ dataDir: server.dataDir });
		admin = await signIn(server, 'admin@example.com');
		const rows = (await call(server, 'GET', '/api/system/audit-logs?limit=1000', { token: admin.token })).body.items;
		for (const id of ids) expect(rows.map((r: any) => r.request_id)).toContain(id);
	});
});
