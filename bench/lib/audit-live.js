/** Recording and live-feed parts of bench/audit.js. */
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { now, percentile, round } from './stats.js';

const caller = (id, isAdmin = true) => ({
	user: { id, email: `${id}@example.com`, isAdmin },
	sessionId: null,
	apiKeyId: null,
	allowedModels: null,
	method: 'bearer'
});

let sequence = 0;
export const input = (user = 'bench') => ({
	requestId: `bench-${++sequence}`,
	startedAt: new Date(),
	caller: caller(user),
	model: 'bench/model',
	endpoint: '/v1/chat/completions',
	status: 'success',
	durationMs: 123,
	ttftMs: 12,
	promptTokens: 40,
	completionTokens: 200
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Rows/s from record() to committed, rows arriving 1,000 per event-loop turn. */
export async function measureThroughput(m) {
	const recorder = new m.AuditRecorder();
	const rows = 200_000;
	const start = now();
	for (let i = 0; i < rows; i += 1000) {
		for (let j = 0; j < 1000; j++) recorder.record(input());
		await tick();
	}
	await recorder.flush();
	const seconds = (now() - start) / 1000;
	const callStart = now();
	for (let i = 0; i < 100_000; i++) recorder.record(input());
	const callNs = ((now() - callStart) * 1e6) / 100_000;
	await recorder.flush();
	const result = { rows, rows_per_s: Math.round(rows / seconds), record_call_ns: Math.round(callNs) };
	console.log(`recording: ${result.rows_per_s} rows/s sustained (${rows} rows), record() call ${result.record_call_ns} ns`);
	return result;
}

/**
 * A simulated request (three event-loop turns and a JSON response) at concurrency 16, with audit
 * on (record() + the recorder writing to the database meanwhile) vs off, interleaved in rounds.
 */
export async function measureLatency(m) {
	const recorder = new m.AuditRecorder();
	const body = JSON.stringify({ choices: [{ message: { content: 'x'.repeat(2000) } }] });
	async function request(audit) {
		const start = now();
		await tick();
		JSON.parse(body);
		await tick();
		if (audit) recorder.record(input());
		await tick();
		return now() - start;
	}
	const samples = { on: [], off: [] };
	for (let round_ = 0; round_ < 6; round_++) {
		for (const mode of round_ % 2 ? ['on', 'off'] : ['off', 'on']) {
			const until = now() + 1000;
			await Promise.all(
				Array.from({ length: 16 }, async () => {
					while (now() < until) samples[mode].push(await request(mode === 'on'));
				})
			);
			await recorder.flush();
		}
	}
	const stat = (s) => ({ requests: s.length, p50_ms: round(percentile(s, 50), 3), p99_ms: round(percentile(s, 99), 3) });
	const result = { on: stat(samples.on), off: stat(samples.off) };
	result.p50_ratio = round(result.on.p50_ms / result.off.p50_ms);
	console.log(`request latency audit off: p50 ${result.off.p50_ms} ms p99 ${result.off.p99_ms} ms (${result.off.requests} requests)`);
	console.log(`request latency audit on:  p50 ${result.on.p50_ms} ms p99 ${result.on.p99_ms} ms (${result.on.requests} requests), p50 ratio ${result.p50_ratio}`);
	return result;
}

/** Row committed → received by each of 100 sockets (clients on a worker thread). */
export async function measureSockets(m, clients = 100, rows = 1000, ratePerSecond = 200) {
	const recorder = new m.AuditRecorder();
	const written = new Map();
	recorder.onWritten((batch) => {
		const t = now();
		for (const row of batch) written.set(row.id, t);
	});
	const stopFeed = m.startLiveFeed(recorder, m.getRealtimeHub());
	const wss = new WebSocketServer({ noServer: true });
	const server = http.createServer();
	server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => m.acceptSocket(ws, caller('admin'))));
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `ws://127.0.0.1:${server.address().port}/`;
	const worker = new Worker(new URL('./socket-clients.js', import.meta.url), { workerData: { url, count: clients } });
	const next = (type) => new Promise((resolve) => worker.on('message', (msg) => msg.type === type && resolve(msg)));
	await next('ready');
	await new Promise((r) => setTimeout(r, 500)); // backlogs delivered
	const before = new Set(written.keys());
	for (let i = 0; i < rows; i++) {
		recorder.record(input());
		await new Promise((r) => setTimeout(r, 1000 / ratePerSecond));
	}
	await recorder.flush();
	await new Promise((r) => setTimeout(r, 1000));
	worker.postMessage('report');
	const { arrivals } = await next('report');
	const latencies = [];
	let missing = 0;
	for (const [id, t] of written) {
		if (before.has(id)) continue;
		const times = new Map(arrivals).get(id) ?? [];
		missing += clients - times.length;
		for (const arrived of times) latencies.push(arrived - t);
	}
	await worker.terminate();
	stopFeed();
	m.getRealtimeHub().shutdown();
	server.close();
	const result = {
		clients,
		rows,
		deliveries: latencies.length,
		missing,
		p50_ms: round(percentile(latencies, 50)),
		p99_ms: round(percentile(latencies, 99)),
		max_ms: round(Math.max(...latencies))
	};
	console.log(`live feed to ${clients} sockets: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms (${result.deliveries} deliveries, ${missing} missing)`);
	return result;
}
