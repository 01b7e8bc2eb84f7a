// @ts-check
/**
 * Main-thread CPU per streamed token: `/v1/chat/completions` and `/v1/completions` streams of the built
 * app vs the same generations with node-llama-cpp in-process (target: app ≤ 1.15×). The CPU time is the
 * JavaScript thread's own (Linux `/proc/<pid>/task/<pid>/schedstat`), so inference threads, the client
 * parsing the stream and the rest of the machine do not count. Rounds alternate app / in-process.
 *
 * Usage: npm run build && node bench/streaming.js   (env BENCH_ROUNDS, default 6; BENCH_THREADS; BENCH_TOKENS)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaChat, LlamaCompletion, resolveChatWrapper } from 'node-llama-cpp';
import { BENCH_MODEL_OPTIONS, writeTinyLlama } from '../tests/fixtures/gguf.js';
import { adminToken, call, startApp } from './lib/inference-server.js';
import { percentile, round } from './lib/stats.js';
import { mainThreadCpuMs } from './lib/thread-cpu.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/streaming');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const THREADS = Number(process.env.BENCH_THREADS ?? Math.max(1, os.availableParallelism() - 1));
const TOKENS = Number(process.env.BENCH_TOKENS ?? 384);
const CONTEXT = 1024;
const MODEL_ID = 'bench/streaming/bench-f16.gguf';
const PROMPT = 'Write a long story about a lighthouse keeper.';
/** The same sampling both ways (the app's defaults for a model without a profile's own, fixed seed). */
const SAMPLING = { temperature: 0.7, top_p: 1, top_k: 40, min_p: 0.05, repeat_penalty: 1.1, seed: 42 };

if (mainThreadCpuMs(process.pid) === null) {
	console.log('streaming benchmark skipped: /proc/<pid>/task/<pid>/schedstat is not available here');
	process.exit(0);
}
fs.rmSync(WORK, { recursive: true, force: true });
const dataDir = path.join(WORK, 'data');
const modelFile = path.join(dataDir, 'models', MODEL_ID);
writeTinyLlama(modelFile, BENCH_MODEL_OPTIONS);
console.log(`model: ${(fs.statSync(modelFile).size / 1e6).toFixed(1)} MB F16, ${THREADS} thread(s), ${ROUNDS} rounds, ${TOKENS} tokens`);

const llama = await getLlama({ gpu: false, build: 'never', maxThreads: THREADS, progressLogs: false });
const model = await llama.loadModel({ modelPath: modelFile, gpuLayers: 0 });
const context = await model.createContext({ contextSize: CONTEXT, sequences: 1, threads: THREADS });
const wrapper = resolveChatWrapper(model);

/** One in-process generation; main-thread CPU ms and tokens. @param {'chat' | 'completion'} kind */
async function inProcess(kind) {
	const sequence = context.getSequence();
	const before = /** @type {number} */ (mainThreadCpuMs(process.pid));
	let chunks = 0;
	const options = {
		maxTokens: TOKENS,
		temperature: SAMPLING.temperature,
		topP: SAMPLING.top_p,
		topK: SAMPLING.top_k,
		minP: SAMPLING.min_p,
		seed: SAMPLING.seed,
		repeatPenalty: { penalty: SAMPLING.repeat_penalty },
		onTextChunk: () => void chunks++
	};
	if (kind === 'chat') {
		const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: wrapper });
		await chat.generateResponse([{ type: 'user', text: PROMPT }], options);
		chat.dispose();
	} else {
		const completion = new LlamaCompletion({ contextSequence: sequence });
		await completion.generateCompletion(PROMPT, options);
		completion.dispose();
	}
	const cpu = /** @type {number} */ (mainThreadCpuMs(process.pid)) - before;
	const tokens = sequence.tokenMeter.usedOutputTokens;
	sequence.dispose();
	return { cpu, tokens };
}

/**
 * One streamed request to the app; the server's main-thread CPU ms over it and its completion tokens.
 * @param {{url: string, pid: number}} app @param {string} token @param {'chat' | 'completion'} kind
 */
async function overHttp(app, token, kind) {
	const body =
		kind === 'chat'
			? { model: 'bench', messages: [{ role: 'user', content: PROMPT }] }
			: { model: 'bench', prompt: PROMPT };
	const before = /** @type {number} */ (mainThreadCpuMs(app.pid));
	const res = await fetch(`${app.url}/v1/${kind === 'chat' ? 'chat/completions' : 'completions'}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
		body: JSON.stringify({ ...body, max_tokens: TOKENS, ...SAMPLING, stream: true, stream_options: { include_usage: true } })
	});
	if (!res.ok || !res.body) throw new Error(`${kind}: ${res.status} ${await res.text()}`);
	let text = '';
	const decoder = new TextDecoder();
	for await (const bytes of res.body) text += decoder.decode(bytes, { stream: true });
	const cpu = /** @type {number} */ (mainThreadCpuMs(app.pid)) - before;
	const usage = text
		.split('\n\n')
		.map((e) => e.replace(/^data: /, ''))
		.filter((e) => e.startsWith('{'))
		.map((e) => JSON.parse(e))
		.find((e) => e.usage)?.usage;
	return { cpu, tokens: usage?.completion_tokens ?? 0 };
}

const app = await startApp(dataDir, { LLM_MANAGER_THREADS: String(THREADS), LLM_MANAGER_KEEP_ALIVE: '-1' });
/** @type {Record<string, any>} */
const out = { threads: THREADS, tokens: TOKENS, rounds: ROUNDS };
try {
	const token = await adminToken(app.url);
	await call(app.url, 'POST', '/api/profiles', { name: 'bench', model_id: MODEL_ID, context_size: CONTEXT, parallel: 1 }, token);
	for (const kind of /** @type {const} */ (['chat', 'completion'])) {
		await overHttp(app, token, kind); // warm-up: load, chat wrapper, JIT
		await inProcess(kind);
		const perToken = { app: /** @type {number[]} */ ([]), in_process: /** @type {number[]} */ ([]) };
		for (let r = 0; r < ROUNDS; r++) {
			const a = await overHttp(app, token, kind);
			const b = await inProcess(kind);
			perToken.app.push(a.cpu / a.tokens);
			perToken.in_process.push(b.cpu / b.tokens);
		}
		const appMs = percentile(perToken.app, 50);
		const localMs = percentile(perToken.in_process, 50);
		out[kind] = { app_ms_per_token: round(appMs, 3), in_process_ms_per_token: round(localMs, 3), ratio: round(appMs / localMs, 2) };
		console.log(`${kind}: main-thread CPU per streamed token, app ${out[kind].app_ms_per_token} ms vs in-process ${out[kind].in_process_ms_per_token} ms → ×${out[kind].ratio} (target ≤ 1.15)`);
	}
} finally {
	app.stop();
	await context.dispose();
	await model.dispose();
	fs.rmSync(WORK, { recursive: true, force: true });
}
console.log(`JSON ${JSON.stringify(out)}`);
