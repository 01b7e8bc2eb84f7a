/** Downloads survive the server: a kill or a shutdown mid-transfer resumes at the next start. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDone, sha256, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signIn, signUp, tempDir, type TestServer } from '../helpers/server';

let hub: FakeHub;
const servers: TestServer[] = [];

beforeAll(async () => {
	hub = await startHub();
});
afterAll(async () => {
	for (const s of servers) await s.stop('SIGKILL');
	await hub?.close();
});

async function boot(dataDir: string): Promise<TestServer> {
	const server = await startWithHub(hub, { dataDir, env: { LLM_MANAGER_DOWNLOAD_STALL_SECONDS: '2' } });
	servers.push(server);
	return server;
}

describe('restarts', () => {
	it('SIGKILL mid-download: the next start resumes from the partial file and completes it', async () => {
		const repo = 'test-org/tiny-llama-GGUF';
		const file = 'tiny-llama-Q4_K_M.gguf';
		const key = `${repo}/${file}`;
		const dataDir = tempDir();
		const first = await boot(dataDir);
		const admin = await signUp(first, 'admin@example.com');
		hub.setMode({ throttle: 100_000 }, key);
		const res = await call(first, 'POST', '/api/models/download', { token: admin.token, body: { repo, file } });
		expect(res.status).toBe(202);
		await waitForStatus(first, admin.token, res.body.task_id, (v) => v.downloaded_bytes > 150_000);
		await first.stop('SIGKILL');

		const partial = path.join(dataDir, 'models', repo, `${file}.partial`);
		const kept = fs.statSync(partial).size;
		expect(kept).toBeGreaterThan(0);
		hub.setMode(null, key);
		hub.resetStats();
		const second = await boot(dataDir);
		const again = await signIn(second, 'admin@example.com');
		const view = await waitForStatus(second, again.token, res.body.task_id, isDone);
		expect(view.status).toBe('completed');
		const total = hub.repos.get(repo)!.files.get(file)!;
		expect(sha256(path.join(dataDir, 'models', repo, file))).toBe(total.sha256);
		// Only the missing bytes travelled again.
		expect(hub.stats().requests.filter((r) => r.includes(`/cdn/${key}`))).toEqual([`GET /cdn/${key} bytes=${kept}-`]);
		expect(hub.stats().bytes_sent[key]).toBe(total.size - kept);
		await second.stop();
	});

	it('SIGTERM: a running download resumes at the next start, a paused one stays paused', async () => {
		const repo = 'other-org/small-chat-GGUF';
		const running = 'small-chat.Q6_K.gguf';
		const paused = 'small-chat.Q2_K.gguf';
		const dataDir = tempDir();
		const first = await boot(dataDir);
		const admin = await signUp(first, 'admin@example.com');
		hub.setMode({ throttle: 100_000 }, `${repo}/${running}`);
		hub.setMode({ throttle: 100_000 }, `${repo}/${paused}`);
		const a = await call(first, 'POST', '/api/models/download', { token: admin.token, body: { repo, file: running } });
		const b = await call(first, 'POST', '/api/models/download', { token: admin.token, body: { repo, file: paused } });
		await waitForStatus(first, admin.token, b.body.task_id, (v) => v.downloaded_bytes > 0);
		const p = await call(first, 'POST', `/api/models/download/${b.body.download_id}/pause`, { token: admin.token });
		expect(p.body.status).toBe('paused');
		await waitForStatus(first, admin.token, a.body.task_id, (v) => v.downloaded_bytes > 50_000);
		expect(await first.stop('SIGTERM')).toBe(0);

		hub.setMode(null, `${repo}/${running}`);
		const second = await boot(dataDir);
		const again = await signIn(second, 'admin@example.com');
		const done = await waitForStatus(second, again.token, a.body.task_id, isDone);
		expect(done.status).toBe('completed');
		expect(sha256(path.join(dataDir, 'models', repo, running))).toBe(hub.repos.get(repo)!.files.get(running)!.sha256);
		const still = await call(second, 'GET', `/api/models/download/${b.body.task_id}/status`, { token: again.token });
		expect(still.body.status).toBe('paused');
		expect(fs.existsSync(path.join(dataDir, 'models', repo, `${paused}.partial`))).toBe(true);
		const active = await call(second, 'GET', '/api/models/downloads/active', { token: again.token });
		expect(active.body.map((d: any) => [d.task_id, d.status])).toEqual([[b.body.task_id, 'paused']]);
		await second.stop();
	});
});
