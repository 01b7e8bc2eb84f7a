/**
 * A hostile or broken Hub against the built server: the token never leaves the Hub's origin, file names
 * and numbers from the Hub are checked like request ids, sizes and time limits are enforced.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHub } from '../fixtures/fake-hub.js';
import { isDone, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signUp, tempDir, type SignedIn, type TestServer } from '../helpers/server';

let hub: FakeHub;
let cdn: FakeHub;
let server: TestServer;
let admin: SignedIn;
let modelsDir: string;

const GATED = 'test-org/gated-llama-GGUF';
const GATED_FILE = 'gated-llama-Q4_K_M.gguf';
const files = (repo: string) => call(server, 'GET', `/api/models/repo/${repo}/files`, { token: admin.token });
const start = (body: unknown) => call(server, 'POST', '/api/models/download', { token: admin.token, body });

/** Every path under `dir`, relative. */
function walk(dir: string, rel = ''): string[] {
	return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
		const p = rel ? `${rel}/${e.name}` : e.name;
		return e.isDirectory() ? [p, ...walk(dir, p)] : [p];
	});
}

beforeAll(async () => {
	hub = await startHub();
	// Another origin serving the same bytes, like the Hub's CDN: it must never see the token.
	cdn = await startFakeHub({ modelsDir: tempDir('fake-cdn-') });
	server = await startWithHub(hub, {
		env: { HF_TOKEN: 'hf_test_token', LLM_MANAGER_HUB_TIMEOUT: '2s', LLM_MANAGER_DOWNLOAD_STALL_SECONDS: '2' }
	});
	admin = await signUp(server, 'admin@example.com');
	modelsDir = path.join(server.dataDir, 'models');
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
	await cdn?.close();
});

describe('the Hub token', () => {
	it('is not sent with a download redirected to another origin, which still completes', async () => {
		hub.setMode({ redirect: cdn.url }, `${GATED}/${GATED_FILE}`);
		const res = await start({ repo: GATED, file: GATED_FILE });
		expect(res.status).toBe(202);
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(view.status).toBe('completed');
		// The Hub itself got the token (the repo is gated); the other origin served the bytes without it.
		expect(hub.stats().authorized.some((r) => r.includes(`/${GATED}/resolve/`))).toBe(true);
		expect(cdn.stats().transfers[`${GATED}/${GATED_FILE}`]).toBeGreaterThan(0);
		expect(cdn.stats().authorized).toEqual([]);
	});

	it('is not sent with any part of a parallel download redirected to another origin', async () => {
		const repo = 'test-org/big-gated-GGUF';
		const file = 'big-Q4_K_M.gguf';
		const size = 32 * 1024 * 1024;
		const sha256 = crypto.createHash('sha256').update(Buffer.alloc(size)).digest('hex');
		hub.addRepo({ id: repo, gated: true, files: [{ name: file, size, sha256 }] });
		cdn.addRepo({ id: repo, files: [{ name: file, size, sha256 }] });
		hub.setMode({ redirect: cdn.url }, `${repo}/${file}`);
		const res = await start({ repo, file });
		expect(res.status).toBe(202);
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, `${repo}/${file}`);
		expect(view.status).toBe('completed');
		expect(hub.stats().authorized.some((r) => r.includes(`/${repo}/resolve/`))).toBe(true);
		expect(cdn.stats().ranges[`${repo}/${file}`].length).toBeGreaterThan(1); // in parts, from the other origin
		expect(cdn.stats().authorized).toEqual([]);
		expect(cdn.stats().bytes_sent[`${repo}/${file}`]).toBe(size);
	});

	it('is not sent with an API answer redirected to another origin', async () => {
		cdn.resetStats();
		hub.setMode({ redirect: cdn.url, times: 1 });
		const res = await files('test-org/tiny-llama-GGUF');
		expect(res.status).toBe(200);
		expect(res.body.files.length).toBeGreaterThan(0);
		expect(cdn.stats().requests.some((r) => r.includes('/api/models/test-org/tiny-llama-GGUF/tree/'))).toBe(true);
		expect(cdn.stats().authorized).toEqual([]);
	});

	it('follows no redirect to anything but http(s)', async () => {
		hub.setMode({ redirect: 'file:///etc', times: 1 });
		const res = await files('test-org/tiny-llama-GGUF');
		expect(res.status).toBe(502);
		expect(res.body.code).toBe('hub_unavailable');
		expect(res.body.detail).toContain('file:');
	});
});

describe('what a Hub listing names', () => {
	it('is refused when a file name would leave the repo or carries markup, and the rest still works', async () => {
		const good = hub.repos.get('test-org/tiny-llama-GGUF')!.files.get('tiny-llama-Q4_K_M.gguf')!.path!;
		hub.addRepo({
			id: 'evil-org/evil-GGUF',
			files: [
				{ name: '../../victim-org/victim-repo/x-Q8_0.gguf', path: good },
				{ name: '<img src=x onerror=alert(1)>-Q6_K.gguf', path: good },
				{ name: 'sub/../../escape-Q5_K_M.gguf', path: good },
				{ name: 'evil-Q4_K_M.gguf', path: good }
			]
		});
		const listing = await files('evil-org/evil-GGUF');
		expect(listing.status).toBe(200);
		expect(listing.body.files.map((f: any) => f.file)).toEqual(['evil-Q4_K_M.gguf']);
		expect(listing.body.recommended).toBe('evil-Q4_K_M.gguf');

		const named = await start({ repo: 'evil-org/evil-GGUF', file: '<img src=x onerror=alert(1)>-Q6_K.gguf' });
		expect(named.status).toBe(400);
		const picked = await start({ repo: 'evil-org/evil-GGUF' });
		expect(picked.status).toBe(202);
		expect(picked.body.model_id).toBe('evil-org/evil-GGUF/evil-Q4_K_M.gguf');
		expect((await waitForStatus(server, admin.token, picked.body.task_id, isDone)).status).toBe('completed');
		const onDisk = walk(modelsDir);
		expect(onDisk.filter((p) => p.startsWith('victim-org') || p.includes('<') || p.includes('escape'))).toEqual([]);
	});

	it('is refused when a size is not a number, and the server keeps running', async () => {
		hub.addRepo({
			id: 'evil-org/bad-size-GGUF',
			files: [
				{ name: 'bad-Q4_K_M.gguf', size: 'abc' as unknown as number, sha256: null },
				{ name: 'negative-Q8_0.gguf', size: -5, sha256: null }
			]
		});
		const listing = await files('evil-org/bad-size-GGUF');
		expect(listing.status).toBe(200);
		expect(listing.body.files).toEqual([]);
		for (const file of ['bad-Q4_K_M.gguf', 'negative-Q8_0.gguf']) {
			const res = await start({ repo: 'evil-org/bad-size-GGUF', file });
			expect(res.status).toBe(404);
			expect(res.body.code).toBe('file_not_found');
		}
		const search = await call(server, 'GET', '/api/models/search?query=evil', { token: admin.token });
		expect(search.status).toBe(200);
		expect((await call(server, 'GET', '/health')).status).toBe(200);
		expect(server.process.exitCode).toBeNull();
	});
});

describe('sizes and time limits', () => {
	it('fails a download whose file keeps coming past its declared size', async () => {
		const file = 'small-chat.Q6_K.gguf';
		const declared = hub.repos.get('other-org/small-chat-GGUF')!.files.get(file)!.size;
		hub.setMode({ oversend: 4_000_000 }, `other-org/small-chat-GGUF/${file}`);
		const res = await start({ repo: 'other-org/small-chat-GGUF', file });
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, `other-org/small-chat-GGUF/${file}`);
		expect(view.status).toBe('failed');
		expect(view.error).toContain('more than the declared');
		const partial = path.join(modelsDir, 'other-org/small-chat-GGUF', `${file}.partial`);
		expect(fs.existsSync(partial) ? fs.statSync(partial).size : 0).toBeLessThanOrEqual(declared);
		expect(fs.existsSync(path.join(modelsDir, 'other-org/small-chat-GGUF', file))).toBe(false);
	});

	it('refuses a JSON answer that is too large instead of reading it', async () => {
		hub.setMode({ jsonBytes: 200 * 1024 * 1024, times: 1 });
		const res = await files('test-org/tiny-llama-GGUF');
		expect(res.status).toBe(502);
		expect(res.body.detail).toContain('too large');
		expect((await call(server, 'GET', '/health')).status).toBe(200);
	});

	it('gives up on a Hub that trickles its answer once the Hub time limit has passed', async () => {
		hub.setMode({ trickle: 20, times: 1 });
		const began = Date.now();
		const res = await files('test-org/tiny-llama-GGUF');
		expect(res.status).toBe(502);
		expect(res.body.detail).toContain('timed out');
		// The limit is 2 s; the trickled answer would take more than 30 s to arrive.
		expect(Date.now() - began).toBeLessThan(20_000);
	});
});
