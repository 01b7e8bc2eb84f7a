/** Search, repo files, remote metadata and input validation against the built server and the fake Hub. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, startHub, startWithHub, type FakeHub } from '../helpers/models';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;

beforeAll(async () => {
	hub = await startHub();
	// A limit between the small and the larger quants, so fits_in_memory differs by file.
	server = await startWithHub(hub, { env: { LLM_MANAGER_MAX_MEMORY: '700KB' } });
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
});

describe('GET /api/models/search', () => {
	it('lists GGUF repos from the Hub with the size of the file the app would pick', async () => {
		const res = await call(server, 'GET', '/api/models/search?query=GGUF&limit=20', { token: admin.token });
		expect(res.status).toBe(200);
		const ids = res.body.map((r: any) => r.model_id);
		expect(ids).toContain('test-org/tiny-llama-GGUF');
		expect(ids).not.toContain('test-org/safetensors-only');
		const tiny = res.body.find((r: any) => r.model_id === 'test-org/tiny-llama-GGUF');
		expect(tiny).toMatchObject({ author: 'test-org', downloads: 5000, likes: 40, is_downloaded: false });
		const q4 = hub.repos.get('test-org/tiny-llama-GGUF')!.files.get('tiny-llama-Q4_K_M.gguf')!;
		expect(tiny.estimated_size_bytes).toBe(q4.size);
		expect(typeof tiny.estimated_size_gb).toBe('number');
		expect(tiny.last_modified).toBe('2026-01-10T10:00:00.000Z');
	});

	it('sorts, limits and filters by size', async () => {
		const byDownloads = await call(server, 'GET', '/api/models/search?sort=downloads&limit=2', { token: admin.token });
		expect(byDownloads.body.map((r: any) => r.model_id)).toEqual(['other-org/small-chat-GGUF', 'test-org/tiny-llama-GGUF']);
		const byLikes = await call(server, 'GET', '/api/models/search?sort=likes&limit=1', { token: admin.token });
		expect(byLikes.body[0].model_id).toBe('test-org/gated-llama-GGUF');
		const small = await call(server, 'GET', '/api/models/search?max_size_gb=0.0001', { token: admin.token });
		expect(small.status).toBe(200);
		expect(small.body).toEqual([]);
	});

	it('refuses bad parameters and anonymous callers', async () => {
		expect((await call(server, 'GET', '/api/models/search?limit=0', { token: admin.token })).status).toBe(400);
		expect((await call(server, 'GET', '/api/models/search?sort=random', { token: admin.token })).status).toBe(400);
		expect((await call(server, 'GET', '/api/models/search')).status).toBe(401);
		expect((await call(server, 'GET', '/api/models/search', { token: 'not-a-token' })).status).toBe(401);
	});

	it('says why when the Hub fails instead of returning an empty list', async () => {
		hub.setMode({ status: 500, times: 1 });
		const res = await call(server, 'GET', '/api/models/search?query=tiny', { token: admin.token });
		expect(res.status).toBe(502);
		expect(res.body.code).toBe('hub_unavailable');
		expect(res.body.detail).toMatch(/Hub/);
	});
});

describe('GET /api/models/repo/{owner}/{repo}/files', () => {
	it('lists GGUF files with sizes, quantization and the Hub SHA-256', async () => {
		const res = await call(server, 'GET', '/api/models/repo/test-org/tiny-llama-GGUF/files', { token: admin.token });
		expect(res.status).toBe(200);
		const served = hub.repos.get('test-org/tiny-llama-GGUF')!.files;
		expect(res.body.files.map((f: any) => f.file).sort()).toEqual(
			['tiny-llama-F16.gguf', 'tiny-llama-Q4_K_M.gguf', 'tiny-llama-Q8_0.gguf']
		);
		for (const f of res.body.files) {
			expect(f.sha256).toBe(served.get(f.file)!.sha256);
			expect(f.size_bytes).toBe(served.get(f.file)!.size);
			expect(f.parts).toBe(1);
		}
		const byName = Object.fromEntries(res.body.files.map((f: any) => [f.file, f]));
		expect(byName['tiny-llama-Q4_K_M.gguf']).toMatchObject({ quantization: 'Q4_K_M', fits_in_memory: true });
		expect(byName['tiny-llama-F16.gguf']).toMatchObject({ quantization: 'F16', fits_in_memory: false });
		expect(res.body.recommended).toBe('tiny-llama-Q4_K_M.gguf');
	});

	it('groups a split set as one model named by its first part', async () => {
		const res = await call(server, 'GET', '/api/models/repo/test-org/tiny-split-GGUF/files', { token: admin.token });
		expect(res.body.files).toHaveLength(1);
		expect(res.body.files[0]).toMatchObject({ file: 'tiny-split-Q4_K_M-00001-of-00003.gguf', parts: 3, quantization: 'Q4_K_M' });
		const parts = [...hub.repos.get('test-org/tiny-split-GGUF')!.files.values()];
		expect(res.body.files[0].size_bytes).toBe(parts.reduce((s, f) => s + f.size, 0));
	});

	it('recommends the largest quant up to Q6_K that fits the memory limit', async () => {
		// 700 KB: Q2_K and IQ4_XS fit, Q6_K and BF16 do not.
		const res = await call(server, 'GET', '/api/models/repo/other-org/small-chat-GGUF/files', { token: admin.token });
		expect(res.status).toBe(200);
		expect(res.body.recommended).toBe('small-chat.IQ4_XS.gguf');
	});

	it('answers 404 for an unknown repo and 400 for hostile names', async () => {
		expect((await call(server, 'GET', '/api/models/repo/test-org/nope/files', { token: admin.token })).status).toBe(404);
		for (const bad of ['..%2F..', 'a%5Cb', 'a%00b', '%252e%252e', 'a%2Fb']) {
			const res = await rawGet(server, `/api/models/repo/${bad}/x/files`, admin.token);
			expect(res.status, bad).toBe(400);
		}
		// A literal `..` is resolved by URL parsing before routing: it can only reach another route.
		for (const dots of ['..', '%2e%2e', '.%2E']) {
			const res = await rawGet(server, `/api/models/repo/${dots}/x/files`, admin.token);
			expect([400, 404], dots).toContain(res.status);
		}
	});
});

describe('GET /api/models/config/{id}', () => {
	it('reads a remote GGUF header with Range requests (no full download)', async () => {
		hub.resetStats();
		const res = await call(server, 'GET', '/api/models/config/test-org/tiny-llama-GGUF/tiny-llama-F16.gguf', { token: admin.token });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ architecture: 'llama', context_length: 2048, embedding_length: 128, block_count: 2, head_count: 4, quantization: 'F16', has_chat_template: true, is_embedding_model: false });
		expect(hub.stats().requests.some((r) => r.includes('bytes='))).toBe(true);
	});

	it('answers 204 when nothing can be read and 400 for hostile ids', async () => {
		const missing = await call(server, 'GET', '/api/models/config/test-org/tiny-llama-GGUF/missing-Q4_K_M.gguf', { token: admin.token });
		expect(missing.status).toBe(204);
		for (const bad of ['test-org/repo/..%2F..%2Fetc%2Fpasswd.gguf', 'a/b/%2e%2e/c.gguf', '%2Fetc/a/b.gguf', 'a/b%5Cc.gguf', 'a/b/c%00.gguf', 'a/b/%252e%252e/c.gguf']) {
			const hostile = await rawGet(server, `/api/models/config/${bad}`, admin.token);
			expect(hostile.status, bad).toBe(400);
		}
	});
});

describe('removed endpoints', () => {
	it('answers a JSON 404 for /api/models/available-parsers', async () => {
		const res = await call(server, 'GET', '/api/models/available-parsers', { token: admin.token });
		expect(res.status).toBe(404);
		expect(res.body.code).toBe('not_found');
	});
});

describe('offline and unreachable Hub', () => {
	it('answers 503 offline when LLM_MANAGER_OFFLINE is set and 502 when the Hub cannot be reached', async () => {
		const offline = await startServer({ env: { LLM_MANAGER_OFFLINE: 'true' } });
		const down = await startServer({ env: { HF_ENDPOINT: 'http://127.0.0.1:9' } });
		try {
			const user = await signUp(offline, 'a@example.com');
			const res = await call(offline, 'GET', '/api/models/search?query=x', { token: user.token });
			expect(res.status).toBe(503);
			expect(res.body.code).toBe('offline');
			const dl = await call(offline, 'POST', '/api/models/download', { token: user.token, body: { repo: 'a/b' } });
			expect(dl.status).toBe(503);
			const other = await signUp(down, 'b@example.com');
			const res2 = await call(down, 'GET', '/api/models/search?query=x', { token: other.token });
			expect(res2.status).toBe(502);
			expect(res2.body.code).toBe('hub_unavailable');
			expect(path.isAbsolute(down.dataDir)).toBe(true);
		} finally {
			await offline.stop();
			await down.stop();
		}
	});
});
