import { afterAll, describe, expect, it } from 'vitest';
import { openAuditSocket } from '../helpers/audit';
import { openRawSocket } from '../helpers/raw-ws';
import { startServer, signUp, type TestServer } from '../helpers/server';

let server: TestServer | undefined;
afterAll(async () => {
	await server?.stop('SIGKILL');
});

describe('shutdown with open audit sockets', () => {
	it('closes the sockets with 1001, runs its shutdown steps and exits 0 within 2 s of SIGTERM', async () => {
		server = await startServer();
		const admin = await signUp(server, 'admin@example.com');
		const pages = [openAuditSocket(server.url, { cookie: admin.cookie }), openAuditSocket(server.url, { token: admin.token })];
		for (const page of pages) await page.waitFor(() => page.messages.some((m) => m.type === 'hello'));
		// A client that never reads its socket cannot answer the close frame either.
		const stuck = await openRawSocket(`${server.url.replace(/^http/, 'ws')}/api/system/ws/audit-logs?token=${admin.token}`);
		stuck.stopReading();

		const started = Date.now();
		const code = await server.stop('SIGTERM');
		const took = Date.now() - started;

		expect(code).toBe(0);
		expect(took).toBeLessThan(2_000);
		for (const page of pages) expect((await page.closed).code).toBe(1001);
		expect(server.logs()).not.toContain('shutdown took too long');
		stuck.socket.destroy();
	});
});
