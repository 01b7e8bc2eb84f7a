/**
 * Parallel ranged downloads against the fake Hub: a file of 16 MiB or more is fetched as byte ranges on
 * several connections, written in place, verified, resumed range by range; a part that fails is retried
 * alone; a server without Range support, or a corrupt part, is handled; connections stay bounded.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDone, readProgress, sha256, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signIn, signUp, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const MIB = 1024 * 1024;
const CONNECTIONS = 4;
const REPO = 'parts-org/big-GGUF';
const RANDOM = 'big-Q8_0.gguf'; // 48 MiB of random bytes: 6 pieces of 8 MiB
const zeros = (n: number) => crypto.createHash('sha256').update(Buffer.alloc(n)).digest('hex');
const ZERO_FILES = ['big-Q4_K_M.gguf', 'big-Q5_K_M.gguf', 'big-Q6_K.gguf', 'big-IQ4_XS.gguf', 'big-Q3_K_M.gguf', 'big-Q2_K.gguf'];

const EXPIRING = 'big-Q5_0.gguf'; // 64 MiB: 8 pieces, two per connection

let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;
let randomSha: string;
const servers: TestServer[] = [];

async function boot(dataDir?: string): Promise<TestServer> {
	const s = await startWithHub(hub, {
		dataDir,
		env: { LLM_MANAGER_DOWNLOAD_CONNECTIONS: String(CONNECTIONS), LLM_MANAGER_DOWNLOAD_STALL_SECONDS: '2' }
	});
	servers.push(s);
	return s;
}

const modelsDir = (s: TestServer) => path.join(s.dataDir, 'models', REPO);
const start = (file: string, s = server, token = admin.token) => call(s, 'POST', '/api/models/download', { token, body: { repo: REPO, file } });
/** Byte ranges asked for, as [start, end) pairs, in the order asked. */
const asked = (key: string) => (hub.stats().ranges[key] ?? []).map((r) => r.split('-').map(Number)).map(([s, e]) => [s, e + 1]);
const sorted = (ranges: number[][]) => [...ranges].sort((a, b) => a[0] - b[0]);
const removeModel = (file: string) => call(server, 'DELETE', `/api/models/${REPO}/${file}`, { token: admin.token });

beforeAll(async () => {
	hub = await startHub();
	const dir = tempDir('parts-hub-');
	const random = path.join(dir, RANDOM);
	const fd = fs.openSync(random, 'w');
	for (let i = 0; i < 48; i++) fs.writeSync(fd, crypto.randomBytes(MIB));
	fs.closeSync(fd);
	randomSha = sha256(random);
	hub.addRepo({
		id: REPO,
		files: [
			{ name: RANDOM, path: random },
			...ZERO_FILES.map((name) => ({ name, size: 32 * MIB, sha256: zeros(32 * MIB) })),
			{ name: EXPIRING, size: 64 * MIB, sha256: zeros(64 * MIB) }
		]
	});
	server = await boot();
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	for (const s of servers) await s.stop('SIGKILL');
	await hub?.close();
});

describe('a file in parts', () => {
	it('arrives on several connections at once, byte-identical and verified, each byte sent once', async () => {
		const key = `${REPO}/${RANDOM}`;
		hub.resetStats();
		hub.setMode({ perConnection: 16 * MIB }, key);
		const res = await start(RANDOM);
		expect(res.status).toBe(202);
		const progress = await readProgress(server, res.body.task_id, `?token=${admin.token}`);
		hub.setMode(null, key);
		const last = progress.events[progress.events.length - 1];
		expect(last).toMatchObject({ status: 'completed', downloaded_bytes: 48 * MIB, total_bytes: 48 * MIB, progress: 100 });
		// Progress never claims more than the file, and moved forward while parts arrived.
		expect(progress.events.every((e) => e.downloaded_bytes <= 48 * MIB)).toBe(true);
		expect(progress.events.some((e) => e.status === 'downloading' && e.speed_bps > 0)).toBe(true);

		expect(sha256(path.join(modelsDir(server), RANDOM))).toBe(randomSha);
		expect(fs.readdirSync(modelsDir(server)).filter((f) => f.includes('.partial'))).toEqual([]);
		const stats = hub.stats();
		expect(sorted(asked(key))).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i * 8 * MIB, (i + 1) * 8 * MIB]));
		expect(stats.max_open).toBe(CONNECTIONS); // the parts really ran at the same time
		expect(stats.bytes_sent[key]).toBe(48 * MIB);
		expect((await removeModel(RANDOM)).status).toBe(200);
	});

	it('retries a dropped part alone, from where it got to', async () => {
		const file = ZERO_FILES[0];
		const key = `${REPO}/${file}`;
		hub.resetStats();
		// The first connection (the first piece, of 8 MiB, capped so that every connection opens) is cut
		// after 3 MiB; the others are not touched.
		hub.setMode({ perConnection: 16 * MIB, dropAfter: 3 * MIB, times: 1 }, key);
		const res = await start(file);
		const done = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(done).toMatchObject({ status: 'completed', downloaded_bytes: 32 * MIB });
		expect(sha256(path.join(modelsDir(server), file))).toBe(zeros(32 * MIB));
		const ranges = asked(key);
		expect(ranges).toHaveLength(CONNECTIONS + 1);
		const retry = ranges[ranges.length - 1];
		expect(retry[1]).toBe(8 * MIB); // the first part's end
		expect(retry[0]).toBeGreaterThan(0); // not from its start again
		expect(hub.stats().bytes_sent[key]).toBeLessThanOrEqual(32 * MIB + 8 * MIB);
		expect(server.logs()).toMatch(/download retrying/);
		expect((await removeModel(file)).status).toBe(200);
	});

	it('retries a stalled part alone while the others go on', async () => {
		const file = ZERO_FILES[5];
		const key = `${REPO}/${file}`;
		hub.resetStats();
		// The first part's connection (capped: every connection opens) goes silent after 2 MiB (the stall limit is 2 s).
		hub.setMode({ perConnection: 16 * MIB, stallAfter: 2 * MIB, times: 1 }, key);
		const res = await start(file);
		const done = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(done).toMatchObject({ status: 'completed', downloaded_bytes: 32 * MIB });
		expect(sha256(path.join(modelsDir(server), file))).toBe(zeros(32 * MIB));
		const ranges = asked(key);
		// Each other part was asked for once; the stalled one again from where it stopped.
		expect(ranges.filter(([s]) => s % (8 * MIB) === 0).map(([s]) => s).sort((a, b) => a - b)).toEqual([0, 8, 16, 24].map((n) => n * MIB));
		expect(ranges).toHaveLength(CONNECTIONS + 1);
		expect(ranges[ranges.length - 1]).toEqual([expect.any(Number), 8 * MIB]);
		expect(ranges[ranges.length - 1][0]).toBeGreaterThan(0);
		expect(server.logs()).toMatch(/no data for 2 s/);
		expect((await removeModel(file)).status).toBe(200);
	});

	it('asks the Hub again when the CDN address it gave stops working (an expired signed URL)', async () => {
		const key = `${REPO}/${EXPIRING}`;
		hub.resetStats();
		hub.setMode({ perConnection: 8 * MIB }, key);
		const res = await start(EXPIRING);
		// Every connection has its first piece (through the Hub); the next request goes to the CDN address directly.
		await waitForStatus(server, admin.token, res.body.task_id, (v) => v.downloaded_bytes > 8 * MIB);
		hub.setMode({ cdn: true, status: 403, times: 1 }, key);
		const done = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(done.status).toBe('completed');
		expect(sha256(path.join(modelsDir(server), EXPIRING))).toBe(zeros(64 * MIB));
		const resolves = hub.stats().requests.filter((r) => r.startsWith(`GET /${REPO}/resolve/main/${EXPIRING}`));
		expect(resolves).toHaveLength(CONNECTIONS + 1); // one per connection, and one after the refusal
		expect(hub.stats().bytes_sent[key]).toBe(64 * MIB);
		expect((await removeModel(EXPIRING)).status).toBe(200);
	});

	it('keeps the connections of two downloads at once within the limit', async () => {
		const [a, b] = [ZERO_FILES[1], ZERO_FILES[2]];
		hub.resetStats();
		hub.setMode({ perConnection: 16 * MIB });
		const first = await start(a);
		const second = await start(b);
		expect([first.status, second.status]).toEqual([202, 202]);
		const views = await Promise.all([first, second].map((r) => waitForStatus(server, admin.token, r.body.task_id, isDone)));
		hub.setMode(null);
		expect(views.map((v) => v.status)).toEqual(['completed', 'completed']);
		expect(hub.stats().max_open).toBeLessThanOrEqual(CONNECTIONS);
		for (const file of [a, b]) {
			expect(hub.stats().bytes_sent[`${REPO}/${file}`]).toBe(32 * MIB);
			expect((await removeModel(file)).status).toBe(200);
		}
	});

	it('falls back to one connection when the server does not serve ranges', async () => {
		const file = ZERO_FILES[3];
		const key = `${REPO}/${file}`;
		hub.resetStats();
		hub.setMode({ noRanges: true }, key);
		const res = await start(file);
		const done = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, key);
		expect(done.status).toBe('completed');
		expect(sha256(path.join(modelsDir(server), file))).toBe(zeros(32 * MIB));
		// The first ranged request answered 200: no other part connected; one whole-file transfer followed.
		expect(hub.stats().transfers[key]).toBe(2);
		expect((await removeModel(file)).status).toBe(200);
	});

	it('fails a file with a corrupt part on its SHA-256 and leaves nothing behind', async () => {
		const file = ZERO_FILES[4];
		const key = `${REPO}/${file}`;
		hub.setMode({ corrupt: true }, key);
		const res = await start(file);
		const done = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, key);
		expect(done.status).toBe('failed');
		expect(done.error).toMatch(/SHA-256 mismatch/);
		expect(fs.readdirSync(modelsDir(server)).filter((f) => f.startsWith(file))).toEqual([]);
		const models = await call(server, 'GET', '/api/models', { token: admin.token });
		expect(JSON.stringify(models.body)).not.toContain(file);
	});
});

describe('resume in parts', () => {
	it('pause, then resume: no byte is asked for twice', async () => {
		const key = `${REPO}/${RANDOM}`;
		hub.resetStats();
		hub.setMode({ perConnection: 2 * MIB }, key);
		const res = await start(RANDOM);
		await waitForStatus(server, admin.token, res.body.task_id, (v) => v.downloaded_bytes > 12 * MIB);
		const paused = await call(server, 'POST', `/api/models/download/${res.body.download_id}/pause`, { token: admin.token });
		expect(paused.body.status).toBe('paused');
		const recorded: [number, number][] = JSON.parse(fs.readFileSync(path.join(modelsDir(server), `${RANDOM}.partial.ranges.json`), 'utf8')).done;
		const kept = recorded.reduce((n, [s, e]) => n + e - s, 0);
		expect(paused.body.downloaded_bytes).toBe(kept);
		hub.setMode(null, key);
		hub.resetStats();
		const resumed = await call(server, 'POST', `/api/models/download/${res.body.download_id}/resume`, { token: admin.token });
		expect(resumed.status).toBe(200);
		const done = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		expect(done.status).toBe('completed');
		expect(sha256(path.join(modelsDir(server), RANDOM))).toBe(randomSha);
		// After the resume only the missing bytes travelled, none of a range written before the pause.
		expect(hub.stats().bytes_sent[key]).toBe(48 * MIB - kept);
		for (const [s, e] of asked(key)) expect(recorded.some(([ds, de]) => s < de && e > ds)).toBe(false);
		expect((await removeModel(RANDOM)).status).toBe(200);
	});

	it('SIGKILL mid-download: the next start fetches exactly the ranges not recorded as written', async () => {
		const key = `${REPO}/${RANDOM}`;
		const dataDir = tempDir();
		const first = await boot(dataDir);
		const owner = await signUp(first, 'admin@example.com');
		hub.setMode({ perConnection: 3 * MIB }, key);
		const res = await start(RANDOM, first, owner.token);
		await waitForStatus(first, owner.token, res.body.task_id, (v) => v.downloaded_bytes > 20 * MIB);
		await first.stop('SIGKILL');

		const sidecar = path.join(modelsDir(first), `${RANDOM}.partial.ranges.json`);
		const recorded: { size: number; done: [number, number][] } = JSON.parse(fs.readFileSync(sidecar, 'utf8'));
		expect(recorded.size).toBe(48 * MIB);
		const kept = recorded.done.reduce((n, [s, e]) => n + e - s, 0);
		expect(kept).toBeGreaterThan(10 * MIB);
		expect(recorded.done.length).toBeGreaterThan(1); // holes: the parts ran side by side
		hub.setMode(null, key);
		hub.resetStats();
		const second = await boot(dataDir);
		const again = await signIn(second, 'admin@example.com');
		const view = await waitForStatus(second, again.token, res.body.task_id, isDone);
		expect(view.status).toBe('completed');
		expect(sha256(path.join(modelsDir(second), RANDOM))).toBe(randomSha);
		// Only the missing bytes travelled again, each once, none of a recorded range.
		expect(hub.stats().bytes_sent[key]).toBe(48 * MIB - kept);
		for (const [s, e] of asked(key)) {
			expect(recorded.done.some(([ds, de]) => s < de && e > ds)).toBe(false);
		}
		expect(fs.existsSync(sidecar)).toBe(false);
		await second.stop();
	});
});
