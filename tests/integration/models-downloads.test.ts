/** Downloads against the built server and the fake Hub: completion, SSE, pause/resume, cancel, failures. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDone, readProgress, sha256, sleep, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signUp, type SignedIn, type TestServer } from '../helpers/server';

let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;
let other: SignedIn;
let modelsDir: string;

const SLOW = { throttle: 150_000 };
const served = (repo: string, file: string) => hub.repos.get(repo)!.files.get(file)!;
const start = (body: unknown, token = admin.token) => call(server, 'POST', '/api/models/download', { token, body });

beforeAll(async () => {
	hub = await startHub();
	server = await startWithHub(hub, { env: { LLM_MANAGER_DOWNLOAD_STALL_SECONDS: '1', LLM_MANAGER_MAX_DOWNLOADS: '4' } });
	admin = await signUp(server, 'admin@example.com');
	other = await signUp(server, 'other@example.com', undefined, admin.token);
	modelsDir = path.join(server.dataDir, 'models');
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
});

describe('a download', () => {
	it('completes with the SHA-256 the Hub published and appears in the library', async () => {
		const res = await start({ repo: 'test-org/tiny-llama-GGUF', file: 'tiny-llama-Q8_0.gguf' });
		expect(res.status).toBe(202);
		expect(res.body).toMatchObject({ model_id: 'test-org/tiny-llama-GGUF/tiny-llama-Q8_0.gguf' });
		expect(typeof res.body.task_id).toBe('string');
		expect(typeof res.body.download_id).toBe('string');
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(view).toMatchObject({ status: 'completed', progress: 100, error: null });
		expect(view.downloaded_bytes).toBe(view.total_bytes);
		const file = path.join(modelsDir, 'test-org/tiny-llama-GGUF/tiny-llama-Q8_0.gguf');
		expect(sha256(file)).toBe(served('test-org/tiny-llama-GGUF', 'tiny-llama-Q8_0.gguf').sha256);
		expect(fs.existsSync(`${file}.partial`)).toBe(false);

		const local = await call(server, 'GET', '/api/models/local', { token: admin.token });
		expect(local.body.map((m: any) => m.id)).toContain('test-org/tiny-llama-GGUF/tiny-llama-Q8_0.gguf');
		const again = await start({ repo: 'test-org/tiny-llama-GGUF', file: 'tiny-llama-Q8_0.gguf' });
		expect(again.status).toBe(409);
		expect(again.body.code).toBe('already_downloaded');
	});

	it('takes the recommended file when none is named, and lands every part of a split model', async () => {
		hub.resetStats();
		const part2 = 'test-org/tiny-split-GGUF/tiny-split-Q4_K_M-00002-of-00003.gguf';
		hub.setMode({ stallAfter: 100_000, times: 1 }, part2); // one stall, then a retry resumes
		const res = await start({ repo: 'test-org/tiny-split-GGUF' });
		expect(res.status).toBe(202);
		expect(res.body.model_id).toBe('test-org/tiny-split-GGUF/tiny-split-Q4_K_M-00001-of-00003.gguf');
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(view.status).toBe('completed');
		for (const [name, file] of hub.repos.get('test-org/tiny-split-GGUF')!.files) {
			expect(sha256(path.join(modelsDir, 'test-org/tiny-split-GGUF', name))).toBe(file.sha256);
		}
		const stats = hub.stats();
		expect(stats.transfers[part2]).toBe(2);
		expect(stats.requests.some((r) => r.includes('tiny-split-Q4_K_M-00002') && r.includes('bytes=100000-'))).toBe(true);
		const local = await call(server, 'GET', '/api/models/local', { token: admin.token });
		const split = local.body.find((m: any) => m.repo === 'test-org/tiny-split-GGUF');
		expect(split).toMatchObject({ file: 'tiny-split-Q4_K_M-00001-of-00003.gguf', parts: 3, usable: true });
	});
});

describe('progress over SSE', () => {
	it('streams events with ?token= until the terminal status', async () => {
		const file = 'small-chat.Q2_K.gguf';
		hub.setMode({ throttle: 400_000 }, `other-org/small-chat-GGUF/${file}`);
		const res = await start({ repo: 'other-org/small-chat-GGUF', file });
		const sse = await readProgress(server, res.body.task_id, `?token=${admin.token}`);
		hub.setMode(null, `other-org/small-chat-GGUF/${file}`);
		expect(sse.status).toBe(200);
		expect(sse.contentType).toMatch(/^text\/event-stream/);
		expect(sse.events.length).toBeGreaterThanOrEqual(2);
		for (const key of ['download_id', 'model_id', 'status', 'progress', 'downloaded_bytes', 'total_bytes', 'speed_bps', 'eta_seconds', 'error']) {
			expect(sse.events[0]).toHaveProperty(key);
		}
		const last = sse.events.at(-1);
		expect(last).toMatchObject({ status: 'completed', progress: 100, download_id: res.body.download_id });
		const bytes = sse.events.map((e) => e.downloaded_bytes);
		expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
		expect(sse.events.some((e) => e.status === 'downloading' && e.downloaded_bytes > 0 && e.downloaded_bytes < e.total_bytes)).toBe(true);
		// A finished task answers one event and closes.
		const after = await readProgress(server, res.body.task_id, `?token=${admin.token}`);
		expect(after.events).toHaveLength(1);
		expect(after.events[0].status).toBe('completed');
	});

	it('refuses a bad token, no credential and an unknown task before streaming', async () => {
		const bad = await readProgress(server, 'whatever', '?token=not-a-valid-token');
		expect(bad.status).toBe(401);
		expect(bad.events).toEqual([]);
		expect((await readProgress(server, 'whatever')).status).toBe(401);
		const unknown = await readProgress(server, 'no-such-task', `?token=${admin.token}`);
		expect(unknown.status).toBe(404);
		expect(JSON.parse(unknown.raw).code).toBe('task_not_found');
		// ?token= is honoured on the stream endpoint only.
		expect((await call(server, 'GET', `/api/models/downloads/active?token=${admin.token}`)).status).toBe(401);
	});
});

describe('pause, resume and cancel', () => {
	it('pause keeps the partial file; resume completes it byte-identical', async () => {
		const repo = 'other-org/small-chat-GGUF';
		const file = 'small-chat.IQ4_XS.gguf';
		hub.setMode(SLOW, `${repo}/${file}`);
		const res = await start({ repo, file });
		await waitForStatus(server, admin.token, res.body.task_id, (v) => v.downloaded_bytes > 50_000);
		const paused = await call(server, 'POST', `/api/models/download/${res.body.download_id}/pause`, { token: admin.token });
		expect(paused.status).toBe(200);
		expect(paused.body.status).toBe('paused');
		const partial = path.join(modelsDir, repo, `${file}.partial`);
		const size = fs.statSync(partial).size;
		expect(size).toBeGreaterThan(0);
		await sleep(600);
		expect(fs.statSync(partial).size).toBe(size);
		const twice = await call(server, 'POST', `/api/models/download/${res.body.download_id}/pause`, { token: admin.token });
		expect(twice.status).toBe(409);
		expect(twice.body.detail).toMatch(/paused/);
		const active = await call(server, 'GET', '/api/models/downloads/active', { token: other.token });
		expect(active.body.find((d: any) => d.download_id === res.body.download_id)).toMatchObject({ status: 'paused', task_id: res.body.task_id });

		hub.resetStats();
		hub.setMode(null, `${repo}/${file}`);
		const resumed = await call(server, 'POST', `/api/models/download/${res.body.download_id}/resume`, { token: admin.token });
		expect(resumed.status).toBe(200);
		expect(resumed.body.status).toBe('downloading');
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(view.status).toBe('completed');
		expect(sha256(path.join(modelsDir, repo, file))).toBe(served(repo, file).sha256);
		expect(hub.stats().requests.some((r) => r.includes(`bytes=${size}-`))).toBe(true);
	});

	it('cancel deletes the partial file; only the owner or an admin may change a download', async () => {
		const repo = 'other-org/small-chat-GGUF';
		const file = 'small-chat.BF16.gguf';
		hub.setMode(SLOW, `${repo}/${file}`);
		const res = await start({ repo, file });
		await waitForStatus(server, admin.token, res.body.task_id, (v) => v.downloaded_bytes > 0);
		const partial = path.join(modelsDir, repo, `${file}.partial`);
		expect(fs.existsSync(partial)).toBe(true);
		const foreign = await call(server, 'POST', `/api/models/download/${res.body.download_id}/cancel`, { token: other.token });
		expect(foreign.status).toBe(403);
		const anonymous = await call(server, 'POST', `/api/models/download/${res.body.download_id}/cancel`);
		expect(anonymous.status).toBe(401);
		const deleting = await call(server, 'DELETE', `/api/models/${res.body.model_id}`, { token: admin.token });
		expect(deleting.status).toBe(409);

		const cancelled = await call(server, 'POST', `/api/models/download/${res.body.download_id}/cancel`, { token: admin.token });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.status).toBe('cancelled');
		expect(fs.existsSync(partial)).toBe(false);
		const resume = await call(server, 'POST', `/api/models/download/${res.body.download_id}/resume`, { token: admin.token });
		expect(resume.status).toBe(409);
		expect(resume.body.detail).toMatch(/cancelled/);
		const status = await call(server, 'GET', `/api/models/download/${res.body.task_id}/status`, { token: admin.token });
		expect(status.body.status).toBe('cancelled');
		hub.setMode(null, `${repo}/${file}`);
	});

	it('answers 404 for an unknown download', async () => {
		const res = await call(server, 'POST', '/api/models/download/nope/pause', { token: admin.token });
		expect(res.status).toBe(404);
	});
});

describe('failures and limits', () => {
	it('a corrupt transfer ends failed and no model appears', async () => {
		const repo = 'test-org/tiny-llama-GGUF';
		const file = 'tiny-llama-F16.gguf';
		hub.setMode({ corrupt: true }, `${repo}/${file}`);
		const res = await start({ repo, file });
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, `${repo}/${file}`);
		expect(view.status).toBe('failed');
		expect(view.error).toMatch(/SHA-256/);
		expect(fs.existsSync(path.join(modelsDir, repo, file))).toBe(false);
		expect(fs.existsSync(path.join(modelsDir, repo, `${file}.partial`))).toBe(false);
		const local = await call(server, 'GET', '/api/models/local', { token: admin.token });
		expect(local.body.map((m: any) => m.id)).not.toContain(`${repo}/${file}`);
	});

	it('a dropped connection is retried from where it stopped', async () => {
		const file = 'small-chat.Q6_K.gguf';
		const key = `other-org/small-chat-GGUF/${file}`;
		hub.resetStats();
		hub.setMode({ dropAfter: 300_000, times: 1 }, key);
		const res = await start({ repo: 'other-org/small-chat-GGUF', file });
		const view = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(view.status).toBe('completed');
		expect(sha256(path.join(modelsDir, 'other-org/small-chat-GGUF', file))).toBe(served('other-org/small-chat-GGUF', file).sha256);
		expect(hub.stats().transfers[key]).toBe(2);
	});

	it('two requests for the same model share one transfer', async () => {
		const repo = 'test-org/tiny-llama-GGUF';
		const file = 'tiny-llama-Q4_K_M.gguf';
		hub.resetStats();
		hub.setMode({ throttle: 1_000_000 }, `${repo}/${file}`);
		const [a, b] = await Promise.all([start({ repo, file }), start({ repo, file }, other.token)]);
		expect(a.status).toBe(202);
		expect(b.status).toBe(202);
		expect(b.body.task_id).toBe(a.body.task_id);
		expect(b.body.download_id).toBe(a.body.download_id);
		const c = await start({ repo, file });
		expect(c.body.task_id).toBe(a.body.task_id);
		await waitForStatus(server, admin.token, a.body.task_id, isDone);
		hub.setMode(null, `${repo}/${file}`);
		expect(hub.stats().transfers[`${repo}/${file}`]).toBe(1);
	});

	it('answers 507 when the disk cannot hold the file, and nothing is queued', async () => {
		hub.addRepo({ id: 'test-org/huge-GGUF', files: [{ name: 'huge-Q4_K_M.gguf', size: 2 ** 52, sha256: 'a'.repeat(64) }] });
		const res = await start({ repo: 'test-org/huge-GGUF' });
		expect(res.status).toBe(507);
		expect(res.body.code).toBe('insufficient_storage');
		const active = await call(server, 'GET', '/api/models/downloads/active', { token: admin.token });
		expect(active.body.some((d: any) => d.repo === 'test-org/huge-GGUF')).toBe(false);
	});

	it('refuses hostile or malformed requests with 400 and touches nothing', async () => {
		const bodies = [
			{ repo: '../../etc' },
			{ repo: 'test-org/tiny-llama-GGUF', file: '../../../x.gguf' },
			{ repo: 'test-org/tiny-llama-GGUF', file: '/etc/passwd.gguf' },
			{ repo: 'test-org/tiny-llama-GGUF', file: 'a\\b.gguf' },
			{ repo: 'test-org/tiny-llama-GGUF', file: '%2e%2e/x.gguf' },
			{ repo: 'test-org/tiny-llama-GGUF', file: 'x.gguf\u0000' },
			{ repo: 'test-org/tiny-llama-GGUF', file: 'README.md' },
			{ repo: 'owner//repo' },
			{},
			'not json'
		];
		for (const body of bodies) {
			const res = await start(body);
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
		expect(fs.existsSync(path.join(server.dataDir, 'etc'))).toBe(false);
		// Without a token that has access, a gated repo is refused before any transfer starts.
		const gated = await start({ repo: 'test-org/gated-llama-GGUF' });
		expect(gated.status).toBe(403);
		expect(gated.body.code).toBe('hub_access_denied');
		expect(gated.body.detail).toContain('gated — needs a token with access');
		expect((await call(server, 'GET', '/api/models/downloads/active', { token: admin.token })).body).toEqual([]);
		expect((await start({ repo: 'test-org/tiny-llama-GGUF' }, '')).status).toBe(401);
	});
});

describe('DELETE /api/models/{id}', () => {
	it('is for admins and the user who downloaded the model; anyone else gets 403 and the file stays', async () => {
		const byAdmin = 'test-org/tiny-llama-GGUF/tiny-llama-Q8_0.gguf';
		const refused = await call(server, 'DELETE', `/api/models/${byAdmin}`, { token: other.token });
		expect(refused.status).toBe(403);
		expect(refused.body.code).toBe('not_model_owner');
		expect(fs.existsSync(path.join(modelsDir, byAdmin))).toBe(true);

		const res = await start({ repo: 'test-org/tiny-llama-GGUF', file: 'tiny-llama-F16.gguf' }, other.token);
		expect(res.status, JSON.stringify(res.body)).toBe(202);
		expect((await waitForStatus(server, other.token, res.body.task_id, isDone)).status).toBe('completed');
		const own = await call(server, 'DELETE', `/api/models/${res.body.model_id}`, { token: other.token });
		expect(own.status).toBe(200);
		expect(fs.existsSync(path.join(modelsDir, res.body.model_id))).toBe(false);
	});

	it('deletes a model, then 404; hostile ids 400', async () => {
		const id = 'test-org/tiny-llama-GGUF/tiny-llama-Q8_0.gguf';
		const res = await call(server, 'DELETE', `/api/models/${id}`, { token: admin.token });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ deleted: true });
		expect(fs.existsSync(path.join(modelsDir, id))).toBe(false);
		expect((await call(server, 'DELETE', `/api/models/${id}`, { token: admin.token })).status).toBe(404);
		for (const bad of ['a/b/..%2F..%2Fx.gguf', 'a/b/%2e%2e%2fx.gguf', '%2Fetc%2Fpasswd', 'a/b/c%5Cd.gguf']) {
			expect((await call(server, 'DELETE', `/api/models/${bad}`, { token: admin.token })).status, bad).toBe(400);
		}
		expect((await call(server, 'DELETE', `/api/models/${id}`)).status).toBe(401);
	});
});
