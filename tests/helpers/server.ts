/**
 * Starts the **built** production server (`build/app-server/index.js`) on a free port with a fresh
 * temporary data directory, exactly as a user runs it. Run `npm run build` first (`npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SERVER_ENTRY = path.join(ROOT, 'build/app-server/index.js');

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

export function tempDir(prefix = 'llm-manager-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export type TestServer = {
	url: string;
	port: number;
	dataDir: string;
	env: Record<string, string>;
	/** Everything the server printed so far (stdout and stderr). */
	logs: () => string;
	/** Sends a signal and waits for exit; resolves with the exit code. */
	stop: (signal?: NodeJS.Signals) => Promise<number | null>;
	process: ChildProcess;
};

export type StartOptions = {
	env?: Record<string, string>;
	/** Reuse a data directory (restart tests). */
	dataDir?: string;
	port?: number;
	timeoutMs?: number;
};

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
	if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` first`);
	const port = options.port ?? (await freePort());
	const dataDir = options.dataDir ?? tempDir();
	const env: Record<string, string> = {
		LLM_MANAGER_HOST: '127.0.0.1',
		LLM_MANAGER_PORT: String(port),
		LLM_MANAGER_DATA_DIR: dataDir,
		LLM_MANAGER_JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-signing',
		LLM_MANAGER_THREADS: '1',
		LLM_MANAGER_GPU: 'false',
		LLM_MANAGER_OFFLINE: 'false',
		HF_ENDPOINT: 'http://127.0.0.1:9',
		// Tests register many accounts from one address; the limit itself is tested with its default.
		LLM_MANAGER_REGISTRATIONS_PER_HOUR: '0',
		...options.env
	};
	let output = '';
	const child = spawn(process.execPath, [SERVER_ENTRY], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + (options.timeoutMs ?? 30_000);
	for (;;) {
		if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
		try {
			const res = await fetch(`${url}/health`);
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`server did not become healthy:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		url,
		port,
		dataDir,
		env,
		logs: () => output,
		process: child,
		stop: async (signal = 'SIGTERM') => {
			if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
			child.kill(signal);
			return exited;
		}
	};
}

/** JSON request helper: returns status, headers and the parsed body. */
export async function call(
	server: { url: string },
	method: string,
	pathname: string,
	options: { body?: unknown; token?: string; cookie?: string; headers?: Record<string, string> } = {}
): Promise<{ status: number; body: any; headers: Headers }> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.body !== undefined) headers['content-type'] ??= 'application/json';
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.cookie) headers.cookie = options.cookie;
	const res = await fetch(server.url + pathname, {
		method,
		headers,
		body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
	});
	return readResponse(res);
}

/** Status, headers and the body, parsed as JSON when it is JSON. */
export async function readResponse(res: Response): Promise<{ status: number; body: any; headers: Headers }> {
	const text = await res.text();
	let body: any = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		// not JSON
	}
	return { status: res.status, body, headers: res.headers };
}

export type SignedIn = { id: string; email: string; token: string; cookie: string };

/** Registers (and, when `approveWith` is an admin token, approves) a user, then signs in. */
export async function signUp(
	server: { url: string },
	email: string,
	password = 'correct-horse-battery',
	approveWith?: string
): Promise<SignedIn> {
	const reg = await call(server, 'POST', '/api/auth/register', { body: { email, password } });
	if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${JSON.stringify(reg.body)}`);
	if (approveWith && reg.body.status !== 'approved') {
		const ok = await call(server, 'PUT', `/api/auth/users/${reg.body.id}`, { token: approveWith, body: { status: 'approved' } });
		if (ok.status !== 200) throw new Error(`approve ${email}: ${ok.status}`);
	}
	return signIn(server, email, password);
}

export async function signIn(server: { url: string }, email: string, password = 'correct-horse-battery'): Promise<SignedIn> {
	const res = await fetch(`${server.url}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email, password })
	});
	const body = await res.json();
	if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(body)}`);
	const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
	return { id: body.user.id, email, token: body.access_token, cookie };
}

/** Reads until `ok` holds (every 100 ms, about 30 s at most); returns the last value read either way. */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
	for (let i = 0; ; i++) {
		const value = await read();
		if (ok(value) || i > 300) return value;
		await new Promise((r) => setTimeout(r, 100));
	}
}
