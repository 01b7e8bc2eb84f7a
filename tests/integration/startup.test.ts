import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { SERVER_ENTRY, call, signIn, signUp, startServer, tempDir } from '../helpers/server';

const PLACEHOLDER_WARNING = 'JWT secret is using default placeholder. Set LLM_MANAGER_JWT_SECRET for production use.';

/** Runs the built server with a bad environment and returns its exit code and output. */
function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [SERVER_ENTRY], {
			env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LLM_MANAGER_DATA_DIR: tempDir(), LLM_MANAGER_GPU: 'false', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, output });
		});
	});
}

describe('start-up', () => {
	it('warns about the placeholder JWT secret and keeps running', async () => {
		const server = await startServer({ env: { LLM_MANAGER_JWT_SECRET: '' } });
		try {
			expect(server.logs()).toContain(PLACEHOLDER_WARNING);
			expect(server.logs()).toMatch(/WARN/);
			expect((await call(server, 'GET', '/health')).status).toBe(200);
			const admin = await signUp(server, 'admin@example.com');
			expect((await call(server, 'GET', '/api/auth/me', { token: admin.token })).status).toBe(200);
		} finally {
			await server.stop();
		}
	});

	it('warns about a short secret, and says nothing for a long one', async () => {
		const short = await startServer({ env: { LLM_MANAGER_JWT_SECRET: 'too-short' } });
		const long = await startServer();
		try {
			expect(short.logs()).toMatch(/JWT secret is shorter than 32 characters/);
			expect(long.logs()).not.toMatch(/JWT secret/);
		} finally {
			await Promise.all([short.stop(), long.stop()]);
		}
	});

	it.each([
		['LLM_MANAGER_PORT', 'abc'],
		['LLM_MANAGER_MAX_MEMORY', 'lots'],
		['LLM_MANAGER_KEEP_ALIVE', 'forever'],
		['LLM_MANAGER_GPU', 'quantum']
	])('stops with a message naming %s when it is %j', async (variable, value) => {
		const { code, output } = await runUntilExit({ LLM_MANAGER_PORT: '0', [variable]: value });
		expect(code).not.toBe(0);
		expect(code).not.toBeNull();
		expect(output).toContain(variable);
		expect(output).toMatch(/Invalid configuration/);
		expect(output).not.toMatch(/listening/);
	});
});

describe('shutdown and restart', () => {
	it('exits 0 on SIGTERM and a restart on the same data dir keeps the users', async () => {
		const dataDir = tempDir();
		const first = await startServer({ dataDir });
		const admin = await signUp(first, 'keeper@example.com');
		await call(first, 'POST', '/api/auth/register', { body: { email: 'waiting@example.com', password: 'correct-horse-battery' } });
		expect(await first.stop('SIGTERM')).toBe(0);
		expect(first.logs()).toMatch(/SIGTERM received, shutting down/);

		const second = await startServer({ dataDir });
		try {
			const again = await signIn(second, 'keeper@example.com');
			expect(again.id).toBe(admin.id);
			// Tokens stay valid across a restart: sessions live in the database.
			expect((await call(second, 'GET', '/api/auth/me', { token: admin.token })).status).toBe(200);
			const users = await call(second, 'GET', '/api/auth/users', { token: again.token });
			expect(users.body.map((u: { email: string }) => u.email).sort()).toEqual(['keeper@example.com', 'waiting@example.com']);
		} finally {
			expect(await second.stop('SIGINT')).toBe(0);
		}
	});
});

describe('shutdown with a request in flight', () => {
	it('answers the request before closing the database', async () => {
		const server = await startServer();
		const body = JSON.stringify({ email: 'late@example.com', password: 'correct-horse-battery' });
		const response = new Promise<number>((resolve, reject) => {
			const req = http.request(`${server.url}/api/auth/register`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
			});
			req.on('response', (res) => {
				res.resume();
				resolve(res.statusCode ?? 0);
			});
			req.on('error', reject);
			// Half the body now, SIGTERM while the server waits for the rest, then the rest.
			req.write(body.slice(0, 10));
			setTimeout(() => {
				server.process.kill('SIGTERM');
				setTimeout(() => req.end(body.slice(10)), 300);
			}, 500);
		});
		expect(await response).toBe(201);
		expect(await server.stop()).toBe(0);

		const again = await startServer({ dataDir: server.dataDir });
		try {
			expect((await signIn(again, 'late@example.com')).email).toBe('late@example.com');
		} finally {
			await again.stop();
		}
	});
});
