/**
 * Faults during downloads against the built server: a disk that fills up (a real, small tmpfs as the
 * models dir) and a database that refuses writes (its own full tmpfs) never end the process; nothing
 * is lost or stuck.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillDatabaseDisk, fillUp, mountTmpfs, unmount } from '../helpers/faults';
import { isDone, sha256, sleep, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signUp, until, type SignedIn, type TestServer } from '../helpers/server';

const MIB = 1024 * 1024;
const zeros = (n: number) => crypto.createHash('sha256').update(Buffer.alloc(n)).digest('hex');

let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;
let mount: string;
let dataMount: string;

const start = (body: unknown) => call(server, 'POST', '/api/models/download', { token: admin.token, body });
const alive = async () => (await call(server, 'GET', '/health')).status === 200 && server.process.exitCode === null;

beforeAll(async () => {
	hub = await startHub();
	// Files of zeros (the fake Hub serves them without a file on disk), with their real SHA-256.
	hub.addRepo({
		id: 'fault-org/big-GGUF',
		files: ['Q4_K_M', 'Q5_K_M', 'Q6_K', 'Q8_0'].map((q) => ({ name: `big-${q}.gguf`, size: 6 * MIB, sha256: zeros(6 * MIB) }))
	});
	hub.addRepo({
		id: 'fault-org/db-GGUF',
		files: ['Q4_K_M', 'Q5_K_M', 'Q6_K'].map((q) => ({ name: `db-${q}.gguf`, size: MIB, sha256: zeros(MIB) }))
	});
	// A 10 MiB file system as the models dir: one 6 MiB download fits, two do not.
	mount = mountTmpfs('10m');
	// The data dir (the database) on a file system of its own, to fill up later.
	dataMount = mountTmpfs('32m');
	server = await startWithHub(hub, {
		dataDir: dataMount,
		env: { LLM_MANAGER_MODELS_DIR: mount, LLM_MANAGER_MAX_DOWNLOADS: '1', LLM_MANAGER_DOWNLOAD_STALL_SECONDS: '2' }
	});
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
	unmount(mount);
	unmount(dataMount);
});

describe('a full disk', () => {
	it('fails the download as "disk full", keeps its partial file and the server; a new start resumes it', async () => {
		const file = 'big-Q4_K_M.gguf';
		hub.setMode({ throttle: 2 * MIB }, `fault-org/big-GGUF/${file}`);
		const res = await start({ repo: 'fault-org/big-GGUF', file });
		expect(res.status).toBe(202);
		await waitForStatus(server, admin.token, res.body.task_id, (v) => v.downloaded_bytes > MIB);
		// Something else fills the disk while the download runs.
		const filler = fillUp(mount);
		const failed = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, `fault-org/big-GGUF/${file}`);
		expect(failed).toMatchObject({ status: 'failed', error: 'disk full' });
		expect(await alive()).toBe(true);
		const partial = path.join(mount, 'fault-org/big-GGUF', `${file}.partial`);
		const kept = fs.statSync(partial).size;
		expect(kept).toBeGreaterThan(0); // what reached the disk before it was full

		fs.rmSync(filler);
		hub.resetStats();
		const again = await start({ repo: 'fault-org/big-GGUF', file });
		expect(again.status).toBe(202);
		const done = await waitForStatus(server, admin.token, again.body.task_id, isDone);
		expect(done.status).toBe('completed');
		expect(hub.stats().requests.some((r) => r.includes(file) && r.includes(`bytes=${kept}-`))).toBe(true);
		expect(sha256(path.join(mount, 'fault-org/big-GGUF', file))).toBe(zeros(6 * MIB));
		fs.rmSync(path.join(mount, 'fault-org'), { recursive: true });
	});

	it('refuses a second download with 507 when the running one has reserved the space', async () => {
		hub.setMode({ throttle: 200_000 }, 'fault-org/big-GGUF/big-Q5_K_M.gguf');
		const first = await start({ repo: 'fault-org/big-GGUF', file: 'big-Q5_K_M.gguf' });
		expect(first.status).toBe(202);
		const second = await start({ repo: 'fault-org/big-GGUF', file: 'big-Q6_K.gguf' });
		expect(second.status).toBe(507);
		expect(second.body.code).toBe('insufficient_storage');
		expect(second.body.reserved_bytes).toBeGreaterThan(0);
		const cancelled = await call(server, 'POST', `/api/models/download/${first.body.download_id}/cancel`, { token: admin.token });
		expect(cancelled.status).toBe(200);
		hub.setMode(null, 'fault-org/big-GGUF/big-Q5_K_M.gguf');
		// With the space free again, the same request is accepted.
		const retried = await start({ repo: 'fault-org/big-GGUF', file: 'big-Q6_K.gguf' });
		expect(retried.status).toBe(202);
		expect((await waitForStatus(server, admin.token, retried.body.task_id, isDone)).status).toBe('completed');
		fs.rmSync(path.join(mount, 'fault-org'), { recursive: true });
	});
});

describe('a database that refuses writes', () => {
	it('never ends the process; the downloads are saved and run once it accepts writes again', async () => {
		const repo = 'fault-org/db-GGUF';
		hub.setMode({ throttle: 600_000 }, `${repo}/db-Q4_K_M.gguf`);
		const a = await start({ repo, file: 'db-Q4_K_M.gguf' });
		const b = await start({ repo, file: 'db-Q5_K_M.gguf' }); // queued behind a (one download at a time)
		expect([a.status, b.status]).toEqual([202, 202]);
		expect(b.body.status).toBe('pending');

		// The database's disk fills up: every write fails (SQLITE_FULL) until space is freed.
		const filler = await fillDatabaseDisk(dataMount);
		try {
			const refused = await start({ repo, file: 'db-Q6_K.gguf' });
			expect(refused.status).toBe(500);
			// a finishes; saving it fails; the queue moves on to b, whose save fails too.
			const failures = await until(
				async () => (server.logs().match(/could not save download/g) ?? []).length,
				(n) => n >= 2
			);
			expect(failures).toBeGreaterThanOrEqual(2);
			expect(await alive()).toBe(true);
		} finally {
			fs.rmSync(filler);
		}
		hub.setMode(null, `${repo}/db-Q4_K_M.gguf`);

		expect((await waitForStatus(server, admin.token, a.body.task_id, (v) => v.status === 'completed')).status).toBe('completed');
		expect((await waitForStatus(server, admin.token, b.body.task_id, isDone)).status).toBe('completed');
		// The request refused during the outage left nothing behind: the same request now starts it.
		const active = await call(server, 'GET', '/api/models/downloads/active', { token: admin.token });
		expect(active.body.map((d: any) => d.model_id)).not.toContain(`${repo}/db-Q6_K.gguf`);
		const c = await start({ repo, file: 'db-Q6_K.gguf' });
		expect(c.status).toBe(202);
		expect(c.body.existing).toBe(false);
		expect((await waitForStatus(server, admin.token, c.body.task_id, isDone)).status).toBe('completed');
		await sleep(100);
		expect(await alive()).toBe(true);
	});
});
