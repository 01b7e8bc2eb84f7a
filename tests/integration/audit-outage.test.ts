/**
 * Audit rows of requests answered while the database refuses writes (its disk, a real tmpfs, is full)
 * are kept and written once it accepts writes again; `/api/servers/health` and the log say when the
 * audit is behind. Against the built server with real inference.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, until, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test-org/tiny-GGUF/tiny-Q8_0.gguf';
let server: TestServer;
let admin: SignedIn;
let dataMount: string;

const chat = () =>
	call(server, 'POST', '/v1/chat/completions', {
		token: admin.token,
		body: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }
	});
const auditCount = async () => (await call(server, 'GET', '/api/system/audit-logs?limit=100', { token: admin.token })).body.items.length as number;

/** Writes into `dir` until its file system is full; returns the filler file. */
function fillUp(dir: string): string {
	const file = path.join(dir, 'filler');
	const fd = fs.openSync(file, 'w');
	try {
		for (const chunk = Buffer.alloc(64 * 1024); ; ) fs.writeSync(fd, chunk);
	} catch (err) {
		expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
	} finally {
		fs.closeSync(fd);
	}
	return file;
}

beforeAll(async () => {
	const models = tempDir('llm-manager-models-');
	writeTinyLlama(path.join(models, MODEL), {});
	dataMount = tempDir('llm-manager-tmpfs-data-');
	execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dataMount]);
	server = await startServer({ dataDir: dataMount, env: { LLM_MANAGER_MODELS_DIR: models } });
	admin = await signUp(server, 'admin@example.com');
	expect((await chat()).status).toBe(200); // loads the model
	await until(auditCount, (n) => n === 1);
});
afterAll(async () => {
	await server?.stop();
	if (dataMount) execFileSync('umount', ['-l', dataMount]);
});

describe('audit rows while the database refuses writes', () => {
	it('are kept, reported as behind, and written once the database accepts writes again', async () => {
		// Empty the write-ahead log first, so that no write finds room in pages it already holds.
		const db = createClient({ url: `file:${path.join(dataMount, 'llm-manager.db')}` });
		await db.execute('PRAGMA wal_checkpoint(TRUNCATE)');
		db.close();
		const filler = fillUp(dataMount);
		try {
			for (let i = 0; i < 5; i++) expect((await chat()).status).toBe(200);
			const health = await until(
				() => call(server, 'GET', '/api/servers/health', { token: admin.token }),
				(r) => r.body.audit?.behind === true && r.body.audit.queued === 5
			);
			expect(health.body).toMatchObject({ status: 'degraded', audit: { behind: true, queued: 5, dropped: 0 } });
			expect(health.body.audit.error).toMatch(/SQLITE_FULL|full/i);
			expect(server.logs()).toContain('audit behind');
			expect(await auditCount()).toBe(1);
		} finally {
			fs.rmSync(filler);
		}
		expect(await until(auditCount, (n) => n === 6)).toBe(6);
		const health = await call(server, 'GET', '/api/servers/health', { token: admin.token });
		expect(health.body.audit).toMatchObject({ behind: false, queued: 0, since: null });
		expect(server.logs()).toContain('audit caught up');
		const rows = (await call(server, 'GET', '/api/system/audit-logs?limit=100', { token: admin.token })).body.items;
		expect(new Set(rows.map((r: any) => r.request_id)).size).toBe(6);
		expect(rows.every((r: any) => r.status === 'success' && r.model === MODEL)).toBe(true);
	});
});
