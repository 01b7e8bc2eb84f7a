// @ts-check
/**
 * A remote backend through LLM Manager vs the same backend called directly, in one run: another LLM
 * Manager instance on loopback (the built app with a generated ~110 MB F16 model) is the backend of a
 * second instance. Measured on a 128-token streamed chat with a fixed seed (the same tokens both ways):
 * 1. streamed tokens/s through the proxy vs direct (target ≥ 0.97);
 * 2. time to first token added by the proxy (target < 5 ms);
 * 3. to separate the proxy's own cost from a request's fixed cost (authentication, routing): the
 *    first event through the proxy from an instant fake upstream, vs that upstream directly, vs the
 *    same instance answering a request for an unknown model locally (404).
 * Direct and proxied requests alternate (and swap order every round) so that a noisy machine affects
 * both alike. Prints the load average before and after, and a JSON line.
 *
 * Usage: npm run build && node bench/backends.js   (env BENCH_ROUNDS, default 8; BENCH_THREADS)
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BENCH_MODEL_OPTIONS, writeTinyLlama } from '../tests/fixtures/gguf.js';
import { adminToken, call, startApp, streamChat } from './lib/inference-server.js';
import { percentile, round } from './lib/stats.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/backends');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const THREADS = Number(process.env.BENCH_THREADS ?? Math.max(1, os.availableParallelism() - 1));
const MODEL_ID = 'bench/backends/bench-f16.gguf';
const TOKENS = 128;
const median = (/** @type {number[]} */ v) => percentile(v, 50);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');
/** CPU time (user + system) a process has used, in ms, from /proc (Linux; NaN elsewhere, or without a pid). @param {number | undefined} pid */
const cpuMs = (pid) => {
	try {
		const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
	} catch {
		return NaN;
	}
};

fs.rmSync(WORK, { recursive: true, force: true });
const backendDir = path.join(WORK, 'backend');
const frontDir = path.join(WORK, 'front');
writeTinyLlama(path.join(backendDir, 'models', MODEL_ID), BENCH_MODEL_OPTIONS);
console.log(`load average before: ${load()} (${os.availableParallelism()} CPUs); ${THREADS} thread(s), ${ROUNDS} rounds`);

const backend = await startApp(backendDir, { LLM_MANAGER_THREADS: String(THREADS), LLM_MANAGER_KEEP_ALIVE: '-1' });
const front = await startApp(frontDir, {});
try {
	const backendAdmin = await adminToken(backend.url);
	const key = (await call(backend.url, 'POST', '/api/auth/api-keys', { name: 'front' }, backendAdmin)).key;
	const token = await adminToken(front.url);
	const added = await call(front.url, 'POST', '/api/backends', { name: 'node-b', base_url: `${backend.url}/v1`, api_key: key, prefix: 'b' }, token);
	if (!added.served_models.includes(`b/${MODEL_ID}`)) throw new Error(`the backend's model was not discovered: ${JSON.stringify(added)}`);

	const body = { messages: [{ role: 'user', content: 'Write a long story about a lighthouse keeper.' }], max_tokens: TOKENS, temperature: 0.7, seed: 42 };
	const directly = () => streamChat(backend.url, key, { ...body, model: MODEL_ID });
	const proxied = () => streamChat(front.url, token, { ...body, model: `b/${MODEL_ID}` });
	// Warm-up: loads the model on the backend, opens the proxy's connections.
	await directly();
	await proxied();

	/** @type {{ttft: number, totalMs: number, tokens: number}[]} */
	const direct = [];
	/** @type {{ttft: number, totalMs: number, tokens: number}[]} */
	const via = [];
	const frontPid = front.pid;
	const frontCpuBefore = cpuMs(frontPid);
	for (let i = 0; i < ROUNDS; i++) {
		if (i % 2 === 0) {
			direct.push(await directly());
			via.push(await proxied());
		} else {
			via.push(await proxied());
			direct.push(await directly());
		}
	}
	const frontCpu = cpuMs(frontPid) - frontCpuBefore;
	const tps = (/** @type {{totalMs: number, tokens: number}} */ r) => r.tokens / (r.totalMs / 1000);
	// Per-round ratios (neighbours share the machine's state), then their median.
	const ratios = direct.map((d, i) => tps(via[i]) / tps(d));
	const ttftAdded = direct.map((d, i) => via[i].ttft - d.ttft);
	const result = {
		direct_tokens_per_s: round(median(direct.map(tps)), 1),
		proxied_tokens_per_s: round(median(via.map(tps)), 1),
		tokens_per_s_ratio: round(median(ratios), 3),
		direct_ttft_ms: round(median(direct.map((r) => r.ttft)), 1),
		proxied_ttft_ms: round(median(via.map((r) => r.ttft)), 1),
		ttft_added_ms: round(median(ttftAdded), 1),
		ttft_added_p90_ms: round(percentile(ttftAdded, 90), 1),
		completion_tokens: via[0].tokens,
		same_tokens: direct.every((d, i) => d.tokens === via[i].tokens),
		/** CPU the proxying instance spent per streamed request (all its work: auth, routing, relaying, audit). */
		proxy_cpu_ms_per_request: round(frontCpu / ROUNDS, 1),
		proxy_cpu_share_of_stream: round(frontCpu / via.reduce((s, r) => s + r.totalMs, 0), 4),
		rounds: ROUNDS
	};
	console.log(`tokens/s  proxied ${result.proxied_tokens_per_s} vs direct ${result.direct_tokens_per_s} → ratio ${result.tokens_per_s_ratio} (target ≥ 0.97)`);
	console.log(`proxy CPU ${result.proxy_cpu_ms_per_request} ms per streamed request (${round(result.proxy_cpu_share_of_stream * 100, 2)} % of one core while streaming)`);
	console.log(`TTFT      proxied ${result.proxied_ttft_ms} ms vs direct ${result.direct_ttft_ms} ms → added ${result.ttft_added_ms} ms, p90 ${result.ttft_added_p90_ms} ms (target < 5 ms)`);

	// 3. An upstream that answers at once: what the proxy adds beyond any request's fixed cost.
	const fake = http.createServer((req, res) => {
		req.resume().on('end', () => {
			if (req.url?.endsWith('/models')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[{"id":"instant"}]}');
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			res.end('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n');
		});
	});
	await new Promise((r) => fake.listen(0, '127.0.0.1', () => r(null)));
	const fakeUrl = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (fake.address()).port}`;
	await call(front.url, 'POST', '/api/backends', { name: 'instant', base_url: `${fakeUrl}/v1` }, token);
	/** @param {string} url @param {string | null} auth @param {string} model */
	const firstEvent = async (url, auth, model) => {
		const start = performance.now();
		const res = await fetch(`${url}/v1/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
			body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], stream: true })
		});
		await res.text();
		return performance.now() - start;
	};
	const instantDirect = [];
	const instantProxied = [];
	const localMiss = [];
	for (let i = 0; i < 40; i++) {
		instantDirect.push(await firstEvent(fakeUrl, null, 'instant'));
		instantProxied.push(await firstEvent(front.url, token, 'instant'));
		localMiss.push(await firstEvent(front.url, token, 'no-such-model'));
	}
	fake.close();
	Object.assign(result, {
		instant_upstream_ms: round(median(instantDirect), 2),
		instant_proxied_ms: round(median(instantProxied), 2),
		local_404_ms: round(median(localMiss), 2)
	});
	console.log(`instant    upstream ${result.instant_upstream_ms} ms, through the proxy ${result.instant_proxied_ms} ms; a local 404 on the same instance ${result.local_404_ms} ms`);
	console.log(`load average after: ${load()}`);
	console.log(`JSON ${JSON.stringify(result)}`);
} finally {
	front.stop();
	backend.stop();
}
