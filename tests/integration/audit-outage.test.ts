/**
 * Audit rows of requests answered while the database refuses writes (its disk, a real tmpfs, is full)
 * are kept and written once it accepts writes again; `/api/servers/health` and the log say when the
 * audit is behind. Against the built server with real inference.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { fillDatabaseDisk, mountTmpfs, unmount } from '../helpers/faults';
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


beforeAll(async () => {
	const models = tempDir('llm-manager-models-');
	writeTinyLlama(path.join(models, MODEL), {});
	dataMount = mountTmpfs('32m');
	server = await startServer({ dataDir: dataMount, env: { LLM_MANAGER_MODELS_DIR: models } });
	admin = await signUp(server, 'admin@example.com');
	expect((await chat()).status).toBe(200); // loads the model
	await until(auditCount, (n) => n === 1);
});
afterAll(async () => {
	await server?.stop();
	unmount(dataMount);
});

describe('audit rows while the database refuses writes', () => {
	it('are kept, reported as behind, and written once the database accepts writes again', async () => {
		const filler = await fillDatabaseDisk(dataMount);
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
