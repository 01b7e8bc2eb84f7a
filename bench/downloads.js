// @ts-check
/**
 * Download throughput: the app downloading a ≥ 500 MB file from the fake Hub over loopback, against
 * `curl` fetching the same URL in the same run; the same with 50 SSE viewers attached; and a resume
 * after SIGKILL, reporting the bytes sent again. Results go to stdout (record them in bench/README.md).
 *
 * Usage: node bench/downloads.js   (env BENCH_DOWNLOAD_MB, default 512; BENCH_ROUNDS, default 3)
 */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/downloads');
const SIZE_MB = Number(process.env.BENCH_DOWNLOAD_MB ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VIEWERS = 50;
const REPO = 'bench/big-GGUF';
const FILE = 'big-Q8_0.gguf';
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

function makeBigFile(/** @type {string} */ file) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const hash = crypto.createHash('sha256');
	const fd = fs.openSync(file, 'w');
	const chunk = Buffer.alloc(16 << 20);
	for (let i = 0; i < SIZE_MB / 16; i++) {
		crypto.randomFillSync(chunk);
		hash.update(chunk);
		fs.writeSync(fd, chunk);
	}
	fs.closeSync(fd);
	return hash.digest('hex');
}

async function freePort() {
	return new Promise((resolve) => {
		const srv = net.createServer().listen(0, '127.0.0.1', () => {
			const port = /** @type {net.AddressInfo} */ (srv.address()).port;
			srv.close(() => resolve(port));
		});
	});
}

/** The fake Hub in its own process, so the bench's own work does not slow it. @param {string} dir */
async function startHub(dir) {
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

/** @param {string} dataDir @param {string} hubUrl */
async function startApp(dataDir, hubUrl) {
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
			HF_ENDPOINT: hubUrl
		},
		stdio: 'ignore'
	});
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 300; i++) {
		if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { url, child };
		await sleep(100);
	}
	throw new Error('app did not start');
}

/** @param {string} url @param {string} method @param {string} p @param {string} [token] @param {unknown} [body] */
async function api(url, method, p, token, body) {
	const res = await fetch(url + p, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** @param {string} url */
async function adminToken(url) {
	const creds = { email: 'bench@example.com', password: 'bench-password-1' };
	await api(url, 'POST', '/api/auth/register', undefined, creds);
	return (await api(url, 'POST', '/api/auth/login', undefined, creds)).body.access_token;
}

/** @param {string} url @param {string} token @param {string} taskId */
async function waitDone(url, token, taskId, until = (/** @type {any} */ v) => ['completed', 'failed', 'cancelled'].includes(v.status)) {
	for (;;) {
		const { body } = await api(url, 'GET', `/api/models/download/${taskId}/status`, token);
		if (until(body)) return body;
		await sleep(20);
	}
}

/** Opens an SSE viewer that reads to the end. @param {string} url @param {string} taskId @param {string} token */
function viewer(url, taskId, token) {
	return fetch(`${url}/api/models/download/${taskId}/progress?token=${token}`).then(async (res) => {
		let events = 0;
		for await (const chunk of /** @type {any} */ (res.body)) events += String(Buffer.from(chunk)).split('\n\n').length - 1;
		return events;
	});
}

/** One app download; returns bytes/s measured from the request to `completed` (SHA-256 check included). */
async function appRun(/** @type {{url: string}} */ app, /** @type {string} */ token, viewers = 0) {
	const t0 = performance.now();
	const started = await api(app.url, 'POST', '/api/models/download', token, { repo: REPO, file: FILE });
	if (started.status !== 202) throw new Error(`download refused: ${JSON.stringify(started.body)}`);
	const streams = Array.from({ length: viewers }, () => viewer(app.url, started.body.task_id, token));
	const done = await waitDone(app.url, token, started.body.task_id);
	const seconds = (performance.now() - t0) / 1000;
	if (done.status !== 'completed') throw new Error(`download ${done.status}: ${done.error}`);
	const events = (await Promise.all(streams)).reduce((a, b) => a + b, 0);
	await api(app.url, 'DELETE', `/api/models/${done.model_id}`, token);
	return { bps: done.total_bytes / seconds, seconds, events };
}

async function curlRun(/** @type {string} */ hubUrl) {
	const out = path.join(WORK, 'curl.bin');
	const t0 = performance.now();
	await promisify(execFile)('curl', ['-sfL', '-o', out, `${hubUrl}/${REPO}/resolve/main/${FILE}`]);
	const seconds = (performance.now() - t0) / 1000;
	const bytes = fs.statSync(out).size;
	fs.rmSync(out);
	return { bps: bytes / seconds, seconds };
}

const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (/** @type {number} */ bps) => Math.round(bps / 1e6);

async function main() {
	fs.rmSync(WORK, { recursive: true, force: true });
	const big = path.join(WORK, 'hub', REPO, FILE);
	console.log(`writing a ${SIZE_MB} MB random file…`);
	const sha256 = makeBigFile(big);
	const hub = await startHub(path.join(WORK, 'hub'));
	await hub.control('repos', { id: REPO, files: [{ name: FILE, path: big, sha256 }] });
	const dataDir = path.join(WORK, 'app');
	let app = await startApp(dataDir, hub.url);
	const token = await adminToken(app.url);
	try {
		/** @type {{curl: number[], app: number[], viewers: number[]}} */
		const runs = { curl: [], app: [], viewers: [] };
		for (let round = 0; round < ROUNDS; round++) {
			const c = await curlRun(hub.url);
			const a = await appRun(app, token);
			const v = await appRun(app, token, VIEWERS);
			runs.curl.push(c.bps);
			runs.app.push(a.bps);
			runs.viewers.push(v.bps);
			console.log(`round ${round + 1}: curl ${mbps(c.bps)} MB/s, app ${mbps(a.bps)} MB/s, app + ${VIEWERS} SSE viewers ${mbps(v.bps)} MB/s (${v.events} events)`);
		}

		// Resume after a kill: slow the Hub so the kill lands mid-transfer.
		await hub.control('mode', { file: `${REPO}/${FILE}`, mode: { throttle: 100e6 } });
		const started = await api(app.url, 'POST', '/api/models/download', token, { repo: REPO, file: FILE });
		await waitDone(app.url, token, started.body.task_id, (v) => v.downloaded_bytes > (SIZE_MB << 20) * 0.4);
		app.child.kill('SIGKILL');
		await sleep(300);
		const kept = fs.statSync(path.join(dataDir, 'models', REPO, `${FILE}.partial`)).size;
		await hub.control('reset', {});
		app = await startApp(dataDir, hub.url);
		const resumed = await waitDone(app.url, token, started.body.task_id);
		const sent = (await hub.control('stats')).bytes_sent[`${REPO}/${FILE}`] ?? 0;
		const total = SIZE_MB << 20;
		const result = {
			date: new Date().toISOString().slice(0, 10),
			machine: `${os.cpus()[0]?.model?.trim()} ×${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
			file_mb: SIZE_MB,
			curl_mbps: mbps(median(runs.curl)),
			app_mbps: mbps(median(runs.app)),
			app_ratio: +(median(runs.app) / median(runs.curl)).toFixed(3),
			viewers_mbps: mbps(median(runs.viewers)),
			viewers_slowdown: +(1 - median(runs.viewers) / median(runs.app)).toFixed(3),
			resume_status: resumed.status,
			resume_kept_bytes: kept,
			resume_sent_bytes: sent,
			resume_resent_bytes: sent - (total - kept)
		};
		console.log(JSON.stringify(result, null, 2));
	} finally {
		app.child.kill('SIGKILL');
		hub.child.kill('SIGKILL');
		fs.rmSync(WORK, { recursive: true, force: true });
	}
}

await main();
