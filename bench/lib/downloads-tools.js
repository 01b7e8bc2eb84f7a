// @ts-check
/** Processes and clients of bench/downloads.js: the fake Hub, the app, and the baseline tools. */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

/** Writes `mb` MiB of random bytes; returns their SHA-256. @param {string} file @param {number} mb */
export function makeBigFile(file, mb) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const hash = crypto.createHash('sha256');
	const fd = fs.openSync(file, 'w');
	const chunk = Buffer.alloc(16 << 20);
	for (let i = 0; i < mb / 16; i++) {
		crypto.randomFillSync(chunk);
		hash.update(chunk);
		fs.writeSync(fd, chunk);
	}
	fs.closeSync(fd);
	return hash.digest('hex');
}

export async function freePort() {
	return new Promise((resolve) => {
		const srv = net.createServer().listen(0, '127.0.0.1', () => {
			const port = /** @type {net.AddressInfo} */ (srv.address()).port;
			srv.close(() => resolve(port));
		});
	});
}

/** The fake Hub in its own process, so the bench's own work does not slow it. @param {string} dir */
export async function startHub(dir) {
	const port = await freePort();
	const child = spawn(process.execPath, [path.join(ROOT, 'tests/fixtures/fake-hub.js'), '--port', String(port), '--models-dir', dir], { stdio: 'ignore' });
	const url = `http://127.0.0.1:${port}`;
	/** @param {string} action @param {unknown} [body] */
	const control = async (action, body) => {
		const res = await fetch(`${url}/__control/${action}`, { method: body ? 'POST' : 'GET', body: body ? JSON.stringify(body) : undefined });
		return res.json();
	};
	for (let i = 0; i < 300; i++) {
		if (await control('stats').then(() => true, () => false)) return { url, child, control };
		await sleep(100);
	}
	throw new Error('fake Hub did not start');
}

/** @param {string} dataDir @param {string} hubUrl @param {Record<string, string>} [env] */
export async function startApp(dataDir, hubUrl, env = {}) {
	const port = await freePort();
	const child = spawn(process.execPath, [path.join(ROOT, 'build/app-server/index.js')], {
		env: {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			LLM_MANAGER_PORT: String(port),
			LLM_MANAGER_DATA_DIR: dataDir,
			LLM_MANAGER_JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
			LLM_MANAGER_GPU: 'false',
			LLM_MANAGER_THREADS: '1',
			LLM_MANAGER_LOG_LEVEL: 'warn',
			HF_ENDPOINT: hubUrl,
			...env
		},
		stdio: 'ignore'
	});
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 300; i++) {
		if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { url, child, dataDir };
		await sleep(100);
	}
	throw new Error('app did not start');
}

/** @param {string} url @param {string} method @param {string} p @param {string} [token] @param {unknown} [body] */
export async function api(url, method, p, token, body) {
	const res = await fetch(url + p, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** @param {string} url */
export async function adminToken(url) {
	const creds = { email: 'bench@example.com', password: 'bench-password-1' };
	await api(url, 'POST', '/api/auth/register', undefined, creds);
	return (await api(url, 'POST', '/api/auth/login', undefined, creds)).body.access_token;
}

/** @param {string} url @param {string} token @param {string} taskId */
export async function waitDone(url, token, taskId, until = (/** @type {any} */ v) => ['completed', 'failed', 'cancelled'].includes(v.status)) {
	for (;;) {
		const { body } = await api(url, 'GET', `/api/models/download/${taskId}/status`, token);
		if (until(body)) return body;
		await sleep(100); // polling must not take CPU from the download it measures
	}
}

/**
 * Follows a download's progress SSE to its end: resolves with the events received and the last view
 * (the terminal one). @param {string} url @param {string} taskId @param {string} token
 */
function follow(url, taskId, token) {
	return fetch(`${url}/api/models/download/${taskId}/progress?token=${token}`).then(async (res) => {
		let events = 0;
		let text = '';
		/** @type {any} */
		let last = null;
		for await (const chunk of /** @type {any} */ (res.body)) {
			text += Buffer.from(chunk).toString();
			const frames = text.split('\n\n');
			text = frames.pop() ?? '';
			for (const frame of frames) {
				const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
				if (!data) continue;
				events++;
				last = JSON.parse(data);
			}
		}
		return { events, last };
	});
}

/**
 * One app download; bytes/s from the request to the terminal event on its progress SSE (SHA-256 check
 * and rename included): the moment the page sees it done, without a polling interval's delay.
 * `viewers` SSE streams in all (at least the one that times it).
 * @param {{url: string}} app @param {string} token @param {{repo: string, file: string}} what
 */
export async function appRun(app, token, what, viewers = 1) {
	const t0 = performance.now();
	const started = await api(app.url, 'POST', '/api/models/download', token, what);
	if (started.status !== 202) throw new Error(`download refused: ${JSON.stringify(started.body)}`);
	const timer = follow(app.url, started.body.task_id, token).then((r) => ({ ...r, seconds: (performance.now() - t0) / 1000 }));
	const others = Array.from({ length: Math.max(0, viewers - 1) }, () => follow(app.url, started.body.task_id, token));
	const { seconds, last } = await timer;
	const events = (await Promise.all([timer, ...others])).reduce((n, r) => n + r.events, 0);
	const done = (await api(app.url, 'GET', `/api/models/download/${started.body.task_id}/status`, token)).body;
	if (last?.status !== 'completed' || done.status !== 'completed') throw new Error(`download ${done.status}: ${done.error}`);
	await api(app.url, 'DELETE', `/api/models/${done.model_id}`, token);
	return { bps: done.total_bytes / seconds, seconds, events };
}

/**
 * Round `round`'s order of `n` contenders: rows of a Williams square, so over `n` rounds (n even) each
 * contender runs right after each other one exactly once. What ran just before shapes a run on this
 * VM (the memory and page cache a finished run leaves), so no contender may always follow the same one.
 * @param {number} n @param {number} round
 */
export function balancedOrder(n, round) {
	const first = [0];
	for (let i = 1, lo = 1, hi = n - 1; i < n; i++) first.push(i % 2 ? lo++ : hi--);
	return first.map((c) => (c + round) % n);
}

/** `curl -L` to a file. @param {string} url @param {string} work */
export async function curlRun(url, work) {
	const out = path.join(work, 'curl.bin');
	const t0 = performance.now();
	await run('curl', ['-sfL', '-o', out, url]);
	const seconds = (performance.now() - t0) / 1000;
	const bytes = fs.statSync(out).size;
	fs.rmSync(out);
	return { bps: bytes / seconds, seconds };
}

/** `curl -L | tee file | sha256sum`: one connection with the app's guarantee (hashed while received). @param {string} url @param {string} work @param {string} sha256 */
export async function curlTeeShaRun(url, work, sha256) {
	const out = path.join(work, 'curl-tee.bin');
	const t0 = performance.now();
	const { stdout } = await run('bash', ['-o', 'pipefail', '-c', `curl -sfL "$0" | tee "$1" | sha256sum`, url, out]);
	const seconds = (performance.now() - t0) / 1000;
	if (!stdout.startsWith(sha256)) throw new Error('curl | sha256sum: wrong digest');
	const bytes = fs.statSync(out).size;
	fs.rmSync(out);
	return { bps: bytes / seconds, seconds };
}

export async function hasAria2() {
	return run('aria2c', ['--version']).then(() => true, () => false);
}

/** `aria2c -x8 -s8`: eight connections, no verification. @param {string} url @param {string} work */
export async function aria2Run(url, work, connections = 8) {
	const name = 'aria2.bin';
	const t0 = performance.now();
	await run('aria2c', [
		`-x${connections}`,
		`-s${connections}`,
		'--file-allocation=none',
		'--allow-overwrite=true',
		'--auto-file-renaming=false',
		'--console-log-level=error',
		'--summary-interval=0',
		'--download-result=hide',
		'-q',
		'-d',
		work,
		'-o',
		name,
		url
	]);
	const seconds = (performance.now() - t0) / 1000;
	const bytes = fs.statSync(path.join(work, name)).size;
	fs.rmSync(path.join(work, name));
	return { bps: bytes / seconds, seconds };
}
