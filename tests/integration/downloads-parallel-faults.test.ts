/**
 * A disk that fills up during a parallel download (a real, small tmpfs as the models dir): the download
 * fails as "disk full" with what it wrote and its written-ranges record kept; started again once there
 * is room, it asks only for the ranges not recorded and completes verified.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillUp, mountTmpfs, unmount } from '../helpers/faults';
import { isDone, sha256, startHub, startWithHub, waitForStatus, type FakeHub } from '../helpers/models';
import { call, signUp, until, type SignedIn, type TestServer } from '../helpers/server';

const MIB = 1024 * 1024;
const REPO = 'fault-org/parts-GGUF';
const FILE = 'parts-Q4_K_M.gguf';
const KEY = `${REPO}/${FILE}`;
const SIZE = 32 * MIB;

let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;
let mount: string;

beforeAll(async () => {
	hub = await startHub();
	hub.addRepo({ id: REPO, files: [{ name: FILE, size: SIZE, sha256: crypto.createHash('sha256').update(Buffer.alloc(SIZE)).digest('hex') }] });
	mount = mountTmpfs('40m');
	server = await startWithHub(hub, { env: { LLM_MANAGER_MODELS_DIR: mount, LLM_MANAGER_DOWNLOAD_CONNECTIONS: '4' } });
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
	unmount(mount);
});

describe('a full disk during a parallel download', () => {
	it('fails as "disk full", keeps the written ranges; a new start fetches only the rest', async () => {
		hub.setMode({ perConnection: 2 * MIB }, KEY);
		const start = () => call(server, 'POST', '/api/models/download', { token: admin.token, body: { repo: REPO, file: FILE } });
		const res = await start();
		expect(res.status).toBe(202);
		const record = path.join(mount, REPO, `${FILE}.partial.ranges.json`);
		const recorded = () => (fs.existsSync(record) ? JSON.parse(fs.readFileSync(record, 'utf8')).done.length : 0);
		// Something else fills the disk once some ranges are recorded as written.
		await until(async () => recorded(), (n) => n > 0);
		const filler = fillUp(mount);
		const failed = await waitForStatus(server, admin.token, res.body.task_id, isDone);
		hub.setMode(null, KEY);
		expect(failed).toMatchObject({ status: 'failed', error: 'disk full' });
		expect((await call(server, 'GET', '/health')).status).toBe(200);
		const done: [number, number][] = JSON.parse(fs.readFileSync(record, 'utf8')).done;
		const kept = done.reduce((n, [s, e]) => n + e - s, 0);
		expect(kept).toBeGreaterThan(0);

		fs.rmSync(filler);
		hub.resetStats();
		const again = await start();
		expect(again.status).toBe(202);
		expect((await waitForStatus(server, admin.token, again.body.task_id, isDone)).status).toBe('completed');
		expect(sha256(path.join(mount, REPO, FILE))).toBe(hub.repos.get(REPO)!.files.get(FILE)!.sha256);
		expect(hub.stats().bytes_sent[KEY]).toBe(SIZE - kept);
		for (const range of hub.stats().ranges[KEY]) {
			const [s, e] = range.split('-').map(Number);
			expect(done.some(([ds, de]) => s < de && e + 1 > ds)).toBe(false);
		}
		expect(fs.existsSync(record)).toBe(false);
		expect(fs.readdirSync(path.join(mount, REPO))).toEqual([FILE]);
	});
});
