import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCall } from '../helpers/from-address';
import { startServer, type TestServer } from '../helpers/server';

// DNS rebinding: another site's name resolved to 127.0.0.1 reaches the app with that name in Host.
let server: TestServer;
beforeAll(async () => {
	server = await startServer();
});
afterAll(async () => {
	await server?.stop();
});

const withHost = (host: string, method: string, path: string, body?: unknown) => rawCall(server, method, path, { headers: { host }, body });

/** The status line a WebSocket handshake gets for this Host. */
async function upgradeStatus(host: string): Promise<string> {
	const socket = net.connect(server.port, '127.0.0.1');
	await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
	socket.write(
		`GET /api/system/ws/audit-logs HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
			'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
	);
	const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
	socket.destroy();
	return head.split('\r\n')[0];
}

describe('the Host allow-list', () => {
	it('refuses another site’s name on every route and the WebSocket, and changes nothing', async () => {
		const register = await withHost('evil.example', 'POST', '/api/auth/register', { email: 'attacker@evil.example', password: 'attacker-password' });
		expect(register.status).toBe(403);
		expect(register.body.code).toBe('host_not_allowed');
		for (const path of ['/login', '/health', '/api/auth/me', '/v1/models']) {
			expect((await withHost(`evil.example:${server.port}`, 'GET', path)).status, path).toBe(403);
		}
		expect(await upgradeStatus('evil.example')).toBe('HTTP/1.1 403 Forbidden');

		// Nothing was created: the first account registered through a known name is the administrator.
		const first = await withHost(`localhost:${server.port}`, 'POST', '/api/auth/register', { email: 'owner@example.com', password: 'owner-password-1' });
		expect(first.status).toBe(201);
		expect(first.body.is_admin).toBe(true);
	});

	it('answers the default names and any IP address', async () => {
		for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, '192.168.1.20:10242']) {
			expect((await withHost(host, 'GET', '/health')).status, host).toBe(200);
		}
		expect(await upgradeStatus(`localhost:${server.port}`)).toBe('HTTP/1.1 101 Switching Protocols');
	});

	it('answers exactly the names in LLM_MANAGER_ALLOWED_HOSTS when it is set', async () => {
		const custom = await startServer({ env: { LLM_MANAGER_ALLOWED_HOSTS: 'llm.example.com, llm.lan' } });
		try {
			const get = (host: string) => rawCall(custom, 'GET', '/health', { headers: { host } });
			expect((await get('llm.example.com')).status).toBe(200);
			expect((await get(`LLM.lan:${custom.port}`)).status).toBe(200);
			expect((await get('localhost')).status).toBe(403);
			expect((await get('evil.example')).status).toBe(403);
		} finally {
			await custom.stop();
		}
	});
});
