import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;

beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
});

const keyCount = async () => (await call(server, 'GET', '/api/auth/api-keys', { token: admin.token })).body.length;

describe('request bodies', () => {
	it('malformed JSON → 400', async () => {
		for (const [path, body] of [
			['/api/auth/register', '{"email": "a@example.com",'],
			['/api/auth/api-keys', 'not json'],
			['/api/auth/login', '']
		]) {
			const res = await call(server, 'POST', path, { token: admin.token, body, headers: { 'content-type': 'application/json' } });
			expect(res.status, path).toBe(400);
			expect(res.body.code).toBe('invalid_request');
		}
	});

	it('oversized body → 413 and nothing is created', async () => {
		const before = await keyCount();
		const big = JSON.stringify({ name: 'big', allowed_models: Array(2000).fill('m'.repeat(100)) });
		const res = await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: big });
		expect(res.status).toBe(413);
		expect(res.body.code).toBe('payload_too_large');
		const reg = await call(server, 'POST', '/api/auth/register', { body: { email: 'big@example.com', password: 'p'.repeat(20_000) } });
		expect(reg.status).toBe(413);
		expect(await keyCount()).toBe(before);
	});

	it('an oversized body without Content-Length (chunked) → 413', async () => {
		const chunk = new TextEncoder().encode('x'.repeat(8 * 1024));
		let sent = 0;
		const stream = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent++ < 16) controller.enqueue(chunk);
				else controller.close();
			}
		});
		const res = await fetch(`${server.url}/api/auth/register`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: stream,
			duplex: 'half'
		} as RequestInit);
		expect(res.status).toBe(413);
	});
});

describe('routing', () => {
	it('/health is public', async () => {
		const res = await call(server, 'GET', '/health');
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ status: 'ok' });
	});

	it('an unknown /api path is a JSON 404, signed in or not', async () => {
		for (const token of [undefined, admin.token]) {
			const res = await call(server, 'GET', '/api/x', { token });
			expect(res.status).toBe(404);
			expect(res.headers.get('content-type')).toMatch(/application\/json/);
			expect(res.body).toMatchObject({ detail: expect.any(String), code: 'not_found' });
		}
		expect((await call(server, 'POST', '/api/nothing/here', { body: {} })).status).toBe(404);
	});

	it('an unknown /v1 path is a 404 in the OpenAI envelope', async () => {
		const res = await call(server, 'GET', '/v1/nothing', { token: admin.token });
		expect(res.status).toBe(404);
		expect(res.body.error).toMatchObject({ message: expect.any(String) });
	});

	it('the retired parser endpoints answer 404', async () => {
		for (const path of ['/api/models/available-parsers', '/api/system/parser-options']) {
			const res = await call(server, 'GET', path, { token: admin.token });
			expect(res.status, path).toBe(404);
			expect(res.headers.get('content-type')).toMatch(/application\/json/);
		}
	});

	it('an unsupported method on a known route is not a success', async () => {
		const res = await call(server, 'DELETE', '/api/auth/me', { token: admin.token });
		expect(res.status).toBe(405);
	});

	it('app pages redirect a visitor without a session to /login', async () => {
		const res = await fetch(`${server.url}/users`, { redirect: 'manual' });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?next=%2Fusers');
		const login = await fetch(`${server.url}/login`);
		expect(login.status).toBe(200);
		expect(await login.text()).toContain('<html');
	});
});

describe('system endpoints', () => {
	it('GET /api/system/memory', async () => {
		const res = await call(server, 'GET', '/api/system/memory', { token: admin.token });
		expect(res.status).toBe(200);
		const m = res.body;
		for (const key of ['total_gb', 'available_gb', 'used_gb', 'percent_used', 'recommended_gb']) {
			expect(typeof m[key], key).toBe('number');
		}
		expect(m.total_gb).toBeGreaterThan(0);
		expect(m.available_gb).toBeLessThanOrEqual(m.total_gb);
		expect(m.percent_used).toBeGreaterThanOrEqual(0);
		expect(m.percent_used).toBeLessThanOrEqual(100);
		expect(m.recommended_gb).toBeLessThanOrEqual(m.available_gb);
		// One "memory for models" figure: the pool's limit, as /api/servers/memory reports it.
		const pool = await call(server, 'GET', '/api/servers/memory', { token: admin.token });
		expect(m.memory_for_models_gb).toBe(pool.body.memory_limit_gb);
		// Tests run with LLM_MANAGER_GPU=false.
		expect(m.gpu).toBeNull();
	});

	it('GET /api/system/info', async () => {
		const res = await call(server, 'GET', '/api/system/info', { token: admin.token });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({
			os_version: expect.any(String),
			cpu: expect.any(String),
			cpu_cores: expect.any(Number),
			memory_gb: expect.any(Number),
			node_version: process.version,
			app_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
			llama_cpp: { gpu_type: 'cpu', release: expect.any(String) }
		});
		expect(res.body.cpu_cores).toBeGreaterThanOrEqual(1);
	});

	it('a non-admin may read them too', async () => {
		const user = await signUp(server, 'reader@example.com', undefined, admin.token);
		expect((await call(server, 'GET', '/api/system/memory', { token: user.token })).status).toBe(200);
		expect((await call(server, 'GET', '/api/system/info', { token: user.token })).status).toBe(200);
	});
});
