// @ts-check
/**
 * The pool under load, against llama.cpp's own server when it can be built here (bench/lib/llama-server.js):
 * 1. 1, 2, 4, 8 concurrent streamed chats on 8 sequences: aggregate tokens/s, TTFT p50/p95, failures;
 * 2. a multi-turn conversation: TTFT of turn 5 (~1,500 tokens of history) warm (prompt reused) vs cold;
 * 3. a model switch with max models 1 (app) vs a llama-server restart.
 * Same model, threads and context both ways; the app and llama-server alternate round by round.
 *
 * Usage: npm run build && node bench/pool.js   (env BENCH_ROUNDS, default 2; BENCH_THREADS; BENCH_CLIENTS)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BENCH_MODEL_OPTIONS, writeTinyLlama } from '../tests/fixtures/gguf.js';
import { adminToken, call, startApp } from './lib/inference-server.js';
import { ensureLlamaServer } from './lib/llama-server.js';
import { percentile, round } from './lib/stats.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/pool');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const THREADS = Number(process.env.BENCH_THREADS ?? Math.max(1, os.availableParallelism() - 1));
const CLIENTS = (process.env.BENCH_CLIENTS ?? '1,2,4,8').split(',').map(Number);
const SLOTS = 8;
const CONTEXT = 2048; // per sequence
const TOKENS = 48;
const MODEL_A = 'bench/pool/bench-a.gguf';
const MODEL_B = 'bench/pool/bench-b.gguf';
/**
 * The generated model's vocabulary is bytes (token 3 + b for byte b); bytes from 0x80 are banned both
 * ways so that answers are ASCII text: llama-server fails a request whose output is not valid UTF-8.
 */
const ASCII_ONLY = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [String(3 + 0x80 + i), -100]));
const SAMPLING = { temperature: 0, seed: 1, logit_bias: ASCII_ONLY };

fs.rmSync(WORK, { recursive: true, force: true });
const dataDir = path.join(WORK, 'data');
for (const [id, seed] of [[MODEL_A, 1], [MODEL_B, 2]]) writeTinyLlama(path.join(dataDir, 'models', String(id)), { ...BENCH_MODEL_OPTIONS, seed: Number(seed), contextLength: 8192 });
const fileA = path.join(dataDir, 'models', MODEL_A);
console.log(`model: ${(fs.statSync(fileA).size / 1e6).toFixed(1)} MB F16, ${THREADS} thread(s), ${ROUNDS} rounds, ${SLOTS} sequences of ${CONTEXT}`);

/** One streamed chat: TTFT, tokens, or the failure. @param {string} url @param {Record<string,string>} headers @param {object} body */
async function stream(url, headers, body) {
	const start = performance.now();
	try {
		const res = await fetch(`${url}/v1/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } })
		});
		if (!res.ok || !res.body) return { ok: false, status: res.status, ttft: NaN, tokens: 0, ms: performance.now() - start };
		const decoder = new TextDecoder();
		let buffer = '';
		let ttft = NaN;
		let tokens = 0;
		let deltas = 0;
		for await (const bytes of res.body) {
			buffer += decoder.decode(bytes, { stream: true });
			let index;
			while ((index = buffer.indexOf('\n\n')) >= 0) {
				const line = buffer.slice(0, index).replace(/^data: /, '');
				buffer = buffer.slice(index + 2);
				if (line === '[DONE]' || !line.startsWith('{')) continue;
				const event = JSON.parse(line);
				if (event.error) return { ok: false, status: 200, ttft, tokens, ms: performance.now() - start };
				if (event.choices?.[0]?.delta?.content) {
					deltas++;
					if (Number.isNaN(ttft)) ttft = performance.now() - start;
				}
				if (event.usage?.completion_tokens) tokens = event.usage.completion_tokens;
			}
		}
		return { ok: true, status: 200, ttft, tokens: tokens || deltas, ms: performance.now() - start };
	} catch {
		return { ok: false, status: 0, ttft: NaN, tokens: 0, ms: performance.now() - start };
	}
}

/** N concurrent streams. @param {{url: string, headers: Record<string,string>, model: string}} target @param {number} n @param {number} r */
async function burst(target, n, r) {
	const start = performance.now();
	const results = await Promise.all(
		Array.from({ length: n }, (_, i) =>
			stream(target.url, target.headers, {
				model: target.model,
				messages: [{ role: 'user', content: `Client ${i} round ${r}: write a long story about the sea.` }],
				max_tokens: TOKENS,
				...SAMPLING
			})
		)
	);
	const wall = (performance.now() - start) / 1000;
	return { tokens: results.reduce((s, x) => s + x.tokens, 0), wall, ttfts: results.filter((x) => x.ok).map((x) => x.ttft), failed: results.filter((x) => !x.ok).length };
}

/** ~1,500 tokens of earlier turns (the bench model's vocabulary is bytes: a token per character), then turn 5. */
function conversation() {
	/** @type {{role: string, content: string}[]} */
	const messages = [];
	for (let t = 1; t <= 4; t++) {
		messages.push({ role: 'user', content: `Turn ${t}: ` + 'tell me more about the lighthouse. '.repeat(4) });
		messages.push({ role: 'assistant', content: 'The keeper climbed the stairs again and looked at the sea. '.repeat(4) });
	}
	messages.push({ role: 'user', content: 'Turn 5: and then?' });
	return messages;
}

/** TTFT of turn 5: warm (turns 1–4 sent before on the same server) and cold. @param {{url: string, headers: Record<string,string>, model: string}} target @param {() => Promise<void>} makeCold @param {object} coldExtra */
async function multiTurn(target, makeCold, coldExtra) {
	const all = conversation();
	for (let t = 1; t <= 4; t++) {
		await stream(target.url, target.headers, { model: target.model, messages: all.slice(0, 2 * t - 1), max_tokens: 4, ...SAMPLING });
	}
	const warm = await stream(target.url, target.headers, { model: target.model, messages: all, max_tokens: 4, ...SAMPLING });
	await makeCold();
	const cold = await stream(target.url, target.headers, { model: target.model, messages: all, max_tokens: 4, ...SAMPLING, ...coldExtra });
	return { warm: warm.ttft, cold: cold.ttft };
}

async function freePort() {
	return new Promise((resolve) => {
		const srv = net.createServer().listen(0, '127.0.0.1', () => {
			const port = /** @type {net.AddressInfo} */ (srv.address()).port;
			srv.close(() => resolve(port));
		});
	});
}

/** Starts llama-server on a model; resolves when it answers /health. @param {string} binary @param {string} file */
async function startLlamaServer(binary, file) {
	const port = await freePort();
	const started = performance.now();
	const child = spawn(binary, ['-m', file, '-c', String(CONTEXT * SLOTS), '-np', String(SLOTS), '-t', String(THREADS), '--port', String(port), '--host', '127.0.0.1', '-ngl', '0'], {
		stdio: ['ignore', 'ignore', 'ignore']
	});
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${url}/health`)).ok) break;
		} catch {
			// starting
		}
		if (i > 600) throw new Error('llama-server did not start');
		await new Promise((r) => setTimeout(r, 50));
	}
	return { url, startMs: performance.now() - started, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

const binary = process.env.BENCH_SKIP_LLAMA_SERVER ? null : ensureLlamaServer();
const app = await startApp(dataDir, { LLM_MANAGER_THREADS: String(THREADS), LLM_MANAGER_KEEP_ALIVE: '-1', LLM_MANAGER_MAX_MODELS: '1' });
/** @type {Record<string, any>} */
const out = { threads: THREADS, rounds: ROUNDS, llama_server: binary ? 'built from the bundled source (GGML_NATIVE)' : null, clients: {} };
try {
	const token = await adminToken(app.url);
	const profile = await call(app.url, 'POST', '/api/profiles', { name: 'bench-pool', model_id: MODEL_A, context_size: CONTEXT, parallel: SLOTS }, token);
	await call(app.url, 'POST', '/api/profiles', { name: 'bench-b', model_id: MODEL_B, context_size: CONTEXT, parallel: SLOTS }, token);
	const appTarget = { url: app.url, headers: { authorization: `Bearer ${token}` }, model: 'bench-pool' };
	const server = binary ? await startLlamaServer(binary, fileA) : null;
	const lsTarget = server ? { url: server.url, headers: {}, model: 'bench' } : null;
	await burst(appTarget, 2, -1); // warm-up: load, chat wrapper
	if (lsTarget) await burst(lsTarget, 2, -1);

	for (const n of CLIENTS) {
		/** @type {Record<string, {tps: number[], ttft: number[], failed: number}>} */
		const acc = { app: { tps: [], ttft: [], failed: 0 }, llama_server: { tps: [], ttft: [], failed: 0 } };
		for (let r = 0; r < ROUNDS; r++) {
			for (const [name, target] of /** @type {const} */ ([['app', appTarget], ['llama_server', lsTarget]])) {
				if (!target) continue;
				const b = await burst(target, n, r);
				acc[name].tps.push(b.tokens / b.wall);
				acc[name].ttft.push(...b.ttfts);
				acc[name].failed += b.failed;
			}
		}
		/** @param {{tps: number[], ttft: number[], failed: number}} a */
		const sum = (a) => (a.tps.length ? { tokens_per_s: round(percentile(a.tps, 50), 1), ttft_p50_ms: round(percentile(a.ttft, 50), 0), ttft_p95_ms: round(percentile(a.ttft, 95), 0), failed: a.failed } : null);
		out.clients[n] = { app: sum(acc.app), llama_server: sum(acc.llama_server) };
		console.log(`${n} clients:`, JSON.stringify(out.clients[n]));
	}

	// Cold for the app: the model reloaded (an unrelated request loads it), so no sequence holds the history.
	const stopAppModel = async () => {
		await call(app.url, 'POST', `/api/servers/${profile.id}/stop`, undefined, token);
		await stream(app.url, appTarget.headers, { model: 'bench-pool', messages: [{ role: 'user', content: 'unrelated' }], max_tokens: 1, ...SAMPLING });
	};
	out.multi_turn = { app: await multiTurn(appTarget, stopAppModel, {}) };
	if (lsTarget) out.multi_turn.llama_server = await multiTurn(lsTarget, async () => {}, { cache_prompt: false });
	console.log('turn 5 TTFT (ms):', JSON.stringify(out.multi_turn));

	// Model switch: max models 1, each request to the other model unloads one and loads the other.
	const switches = [];
	for (let r = 0; r < ROUNDS * 2; r++) {
		const model = r % 2 === 0 ? 'bench-b' : 'bench-pool';
		const s = await stream(app.url, appTarget.headers, { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, ...SAMPLING });
		switches.push(s.ms);
	}
	out.switch_ms = { app: round(percentile(switches, 50), 0) };
	if (server && binary) {
		await server.stop();
		const restarts = [];
		for (let r = 0; r < ROUNDS; r++) {
			const again = await startLlamaServer(binary, path.join(dataDir, 'models', r % 2 ? MODEL_A : MODEL_B));
			const first = await stream(again.url, {}, { model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, ...SAMPLING });
			restarts.push(again.startMs + first.ms);
			await again.stop();
		}
		out.switch_ms.llama_server_restart = round(percentile(restarts, 50), 0);
	}
	console.log('model switch (ms, to the first token):', JSON.stringify(out.switch_ms));
} finally {
	app.stop();
	fs.rmSync(WORK, { recursive: true, force: true });
}
console.log(`JSON ${JSON.stringify(out)}`);
