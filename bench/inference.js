// @ts-check
/**
 * Inference through the app vs node-llama-cpp in-process, in one run, on a generated ~110 MB F16 model:
 * 1. tokens/s of a 128-token streamed chat over HTTP (/v1) vs the same generation in-process (target ≥ 0.95);
 * 2. time-to-first-token overhead of the HTTP path (target < 10 ms);
 * 3. aggregate tokens/s with 4 concurrent streamed chats vs 1 (a profile with parallel = 4);
 * 4. pool load latency for a file already in the page cache (stop → start → loaded), vs a bare
 *    node-llama-cpp loadModel + createContext.
 * HTTP and in-process runs alternate so that a noisy machine affects both alike. Prints a JSON line.
 *
 * Usage: npm run build && node bench/inference.js   (env BENCH_ROUNDS, default 5; BENCH_THREADS)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaChat, resolveChatWrapper } from 'node-llama-cpp';
import { BENCH_MODEL_OPTIONS, writeTinyLlama } from '../tests/fixtures/gguf.js';
import { adminToken, call, plainChat, startApp, streamChat } from './lib/inference-server.js';
import { percentile, round } from './lib/stats.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/inference');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const THREADS = Number(process.env.BENCH_THREADS ?? Math.max(1, os.availableParallelism() - 1));
const MODEL_ID = 'bench/inference/bench-f16.gguf';
const TOKENS = 128;
const CONTEXT = 1024;
const PROMPT = 'Write a long story about a lighthouse keeper.';
/** The same sampling both ways (the app's defaults for a bare model, fixed seed). */
const SAMPLING = { temperature: 0.7, top_p: 1, top_k: 40, min_p: 0.05, repeat_penalty: 1.1, seed: 42 };
const median = (/** @type {number[]} */ v) => percentile(v, 50);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

fs.rmSync(WORK, { recursive: true, force: true });
const dataDir = path.join(WORK, 'data');
const modelFile = path.join(dataDir, 'models', MODEL_ID);
writeTinyLlama(modelFile, BENCH_MODEL_OPTIONS);
console.log(`model: ${(fs.statSync(modelFile).size / 1e6).toFixed(1)} MB F16, ${THREADS} thread(s), ${ROUNDS} rounds`);

// In-process baseline: the same library calls the app makes (chat wrapper resolved once, a fresh
// sequence per request).
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: THREADS, progressLogs: false });
const model = await llama.loadModel({ modelPath: modelFile, gpuLayers: 0 });
const context = await model.createContext({ contextSize: CONTEXT, sequences: 1, threads: THREADS });
const wrapper = resolveChatWrapper(model);

async function inProcess() {
	const sequence = context.getSequence();
	const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: wrapper });
	const start = performance.now();
	let ttft = NaN;
	await chat.generateResponse([{ type: 'user', text: PROMPT }], {
		maxTokens: TOKENS,
		temperature: SAMPLING.temperature,
		topP: SAMPLING.top_p,
		topK: SAMPLING.top_k,
		minP: SAMPLING.min_p,
		seed: SAMPLING.seed,
		repeatPenalty: { penalty: SAMPLING.repeat_penalty },
		onTextChunk: (text) => {
			if (text && Number.isNaN(ttft)) ttft = performance.now() - start;
		}
	});
	const totalMs = performance.now() - start;
	const tokens = sequence.tokenMeter.usedOutputTokens;
	chat.dispose();
	sequence.dispose();
	return { ttft, totalMs, tokens };
}

const app = await startApp(dataDir, { LLM_MANAGER_THREADS: String(THREADS), LLM_MANAGER_KEEP_ALIVE: '-1' });
try {
	const token = await adminToken(app.url);
	// `bench-1` has the in-process context's exact shape (context size, one sequence).
	const body = { model: 'bench-1', messages: [{ role: 'user', content: PROMPT }], max_tokens: TOKENS, ...SAMPLING };
	await call(app.url, 'POST', '/api/profiles', { name: 'bench-1', model_id: MODEL_ID, context_size: CONTEXT, parallel: 1 }, token);
	// Warm-up: loads the model and resolves its chat wrapper; warms the in-process path too.
	await streamChat(app.url, token, body);
	await inProcess();

	/** @type {{ttft: number, totalMs: number, tokens: number}[]} */
	const http = [];
	/** @type {{ttft: number, totalMs: number, tokens: number}[]} */
	const local = [];
	/** @type {{ttft: number, totalMs: number, tokens: number}[]} */
	const plain = [];
	for (let i = 0; i < ROUNDS; i++) {
		http.push(await streamChat(app.url, token, body));
		local.push(await inProcess());
		plain.push(await plainChat(app.url, token, body));
	}
	const tps = (/** @type {{totalMs: number, tokens: number}} */ r) => r.tokens / (r.totalMs / 1000);
	const httpTps = median(http.map(tps));
	const localTps = median(local.map(tps));
	const httpTtft = median(http.map((r) => r.ttft));
	const localTtft = median(local.map((r) => r.ttft));

	// Concurrency on a profile with parallel 4: 1 request vs 4 at once, aggregate tokens/s.
	await call(app.url, 'POST', `/api/servers/${(await call(app.url, 'GET', '/api/profiles', undefined, token))[0].id}/stop`, undefined, token);
	const profile = await call(app.url, 'POST', '/api/profiles', { name: 'bench', model_id: MODEL_ID, context_size: CONTEXT, parallel: 4 }, token);
	const profileBody = { ...body, model: 'bench' };
	await streamChat(app.url, token, profileBody);
	const single = [];
	const multi = [];
	for (let i = 0; i < Math.max(2, Math.ceil(ROUNDS / 2)); i++) {
		let start = performance.now();
		const one = await streamChat(app.url, token, profileBody);
		single.push(one.tokens / ((performance.now() - start) / 1000));
		start = performance.now();
		const four = await Promise.all([1, 2, 3, 4].map(() => streamChat(app.url, token, profileBody)));
		multi.push(four.reduce((s, r) => s + r.tokens, 0) / ((performance.now() - start) / 1000));
	}

	// Pool load latency of a cached file: stop → start → loaded, as the pool measures it (`load_ms`:
	// estimate, admission, load) and end to end over HTTP (health polled every 20 ms: faster polling
	// steals the CPU the load needs on a small machine).
	const loads = [];
	const poolLoads = [];
	for (let i = 0; i < ROUNDS; i++) {
		await call(app.url, 'POST', `/api/servers/${profile.id}/stop`, undefined, token);
		const start = performance.now();
		await call(app.url, 'POST', `/api/servers/${profile.id}/start`, undefined, token);
		while (!(await call(app.url, 'GET', `/api/servers/${profile.id}/health`, undefined, token)).model_loaded) await sleep(20);
		loads.push(performance.now() - start);
		const models = await call(app.url, 'GET', '/api/servers/models', undefined, token);
		poolLoads.push(models.find((/** @type {{model_id: string}} */ m) => m.model_id === MODEL_ID).load_ms);
	}
	const bareLoads = [];
	for (let i = 0; i < ROUNDS; i++) {
		const start = performance.now();
		const m = await llama.loadModel({ modelPath: modelFile, gpuLayers: 0 });
		const c = await m.createContext({ contextSize: CONTEXT, sequences: 4, threads: THREADS });
		bareLoads.push(performance.now() - start);
		await c.dispose();
		await m.dispose();
	}

	const result = {
		http_tokens_per_s: round(httpTps, 1),
		in_process_tokens_per_s: round(localTps, 1),
		tokens_per_s_ratio: round(httpTps / localTps, 3),
		http_unstreamed_tokens_per_s: round(median(plain.map(tps)), 1),
		unstreamed_ratio: round(median(plain.map(tps)) / localTps, 3),
		http_ttft_ms: round(httpTtft, 1),
		in_process_ttft_ms: round(localTtft, 1),
		ttft_overhead_ms: round(httpTtft - localTtft, 1),
		concurrent_1_tokens_per_s: round(median(single), 1),
		concurrent_4_tokens_per_s: round(median(multi), 1),
		concurrency_ratio: round(median(multi) / median(single), 2),
		pool_load_ms: round(median(poolLoads), 1),
		http_start_to_loaded_ms: round(median(loads), 1),
		bare_load_ms: round(median(bareLoads), 1),
		completion_tokens: http[0].tokens
	};
	console.log(`tokens/s   HTTP ${result.http_tokens_per_s} vs in-process ${result.in_process_tokens_per_s} → ratio ${result.tokens_per_s_ratio} (target ≥ 0.95)`);
	console.log(`unstreamed HTTP ${result.http_unstreamed_tokens_per_s} tok/s → ratio ${result.unstreamed_ratio}`);
	console.log(`TTFT       HTTP ${result.http_ttft_ms} ms vs in-process ${result.in_process_ttft_ms} ms → overhead ${result.ttft_overhead_ms} ms (target < 10 ms)`);
	console.log(`parallel   1 request ${result.concurrent_1_tokens_per_s} tok/s, 4 at once ${result.concurrent_4_tokens_per_s} tok/s → ×${result.concurrency_ratio}`);
	console.log(`load       pool ${result.pool_load_ms} ms (HTTP start → loaded ${result.http_start_to_loaded_ms} ms) vs bare load + context ${result.bare_load_ms} ms`);
	console.log(`JSON ${JSON.stringify(result)}`);
} finally {
	app.stop();
	await context.dispose();
	await model.dispose();
}
