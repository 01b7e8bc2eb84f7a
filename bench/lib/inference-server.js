// @ts-check
/** Starts the built app for the inference benchmark and speaks to it over HTTP. */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function freePort() {
	return new Promise((resolve) => {
		const srv = net.createServer().listen(0, '127.0.0.1', () => {
			const port = /** @type {net.AddressInfo} */ (srv.address()).port;
			srv.close(() => resolve(port));
		});
	});
}

/** @param {string} dataDir @param {Record<string, string>} env */
export async function startApp(dataDir, env) {
	const port = await freePort();
	const child = spawn(process.execPath, [path.join(ROOT, 'build/app-server/index.js')], {
		env: {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			LLM_MANAGER_PORT: String(port),
			LLM_MANAGER_DATA_DIR: dataDir,
			LLM_MANAGER_JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
			LLM_MANAGER_GPU: 'false',
			LLM_MANAGER_LOG_LEVEL: 'warn',
			...env
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${url}/health`)).ok) break;
		} catch {
			// not yet listening
		}
		if (i > 300) throw new Error('the app did not start');
		await new Promise((r) => setTimeout(r, 100));
	}
	return { url, pid: /** @type {number} */ (child.pid), stop: () => child.kill('SIGTERM') };
}

/**
 * @param {string} url
 * @param {string} method
 * @param {string} p
 * @param {unknown} [body]
 * @param {string} [token]
 */
export async function call(url, method, p, body, token) {
	const res = await fetch(url + p, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
	return text ? JSON.parse(text) : null;
}

/** Registers the first user (the admin) and returns a bearer token. @param {string} url */
export async function adminToken(url) {
	const credentials = { email: 'bench@example.com', password: 'correct-horse-battery' };
	await call(url, 'POST', '/api/auth/register', credentials);
	return (await call(url, 'POST', '/api/auth/login', credentials)).access_token;
}

/**
 * One streamed chat through /v1: time to the first content delta, end time, completion tokens.
 * @param {string} url @param {string} token @param {Record<string, unknown>} body
 */
export async function streamChat(url, token, body) {
	const start = performance.now();
	const res = await fetch(`${url}/v1/chat/completions`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
		body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } })
	});
	if (!res.ok || !res.body) throw new Error(`chat: ${res.status} ${await res.text()}`);
	const decoder = new TextDecoder();
	let buffer = '';
	let ttft = NaN;
	let tokens = 0;
	for await (const bytes of res.body) {
		buffer += decoder.decode(bytes, { stream: true });
		let index;
		while ((index = buffer.indexOf('\n\n')) >= 0) {
			const line = buffer.slice(0, index).replace(/^data: /, '');
			buffer = buffer.slice(index + 2);
			if (line === '[DONE]') continue;
			const event = JSON.parse(line);
			if (Number.isNaN(ttft) && event.choices?.[0]?.delta?.content) ttft = performance.now() - start;
			if (event.usage) tokens = event.usage.completion_tokens;
		}
	}
	return { ttft, totalMs: performance.now() - start, tokens };
}

/** The same chat without streaming: total time and completion tokens. @param {string} url @param {string} token @param {Record<string, unknown>} body */
export async function plainChat(url, token, body) {
	const start = performance.now();
	const res = await call(url, 'POST', '/v1/chat/completions', body, token);
	return { ttft: NaN, totalMs: performance.now() - start, tokens: res.usage.completion_tokens };
}
