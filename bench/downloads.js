// @ts-check
/**
 * Download throughput against the baselines, in the same run, interleaved rounds: the app downloading
 * a 512 MiB file from the fake Hub over loopback (8 parallel ranged parts, SHA-256 included) against
 * `curl`, `curl | tee | sha256sum` (one connection with the same guarantee) and `aria2c -x8 -s8`
 * (skipped with a message when aria2c is not installed: `apt-get install aria2`); once with the Hub
 * unthrottled and once with each connection capped (as CDNs do); the app with 50 SSE viewers; the
 * SHA-256 gate hashing while parts arrive vs one pass at the end; and a resume after SIGKILL,
 * reporting the bytes sent twice. Results go to stdout (record them in bench/README.md).
 *
 * Usage: node bench/downloads.js   (env BENCH_DOWNLOAD_MB, default 512; BENCH_ROUNDS, default 6;
 * BENCH_CAP_MBPS, the per-connection cap in MB/s, default 30)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureHashing } from './lib/downloads-hash.js';
import {
	adminToken,
	api,
	appRun,
	aria2Run,
	balancedOrder,
	curlRun,
	curlTeeShaRun,
	hasAria2,
	makeBigFile,
	sleep,
	startApp,
	startHub,
	waitDone
} from './lib/downloads-tools.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/downloads');
const SIZE_MB = Number(process.env.BENCH_DOWNLOAD_MB ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CAP = Number(process.env.BENCH_CAP_MBPS ?? 30) * 1e6;
const VIEWERS = 50;
const REPO = 'bench/big-GGUF';
const FILE = 'big-Q8_0.gguf';
const KEY = `${REPO}/${FILE}`;

const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (/** @type {number} */ bps) => Math.round(bps / 1e6);
const ratio = (/** @type {number} */ a, /** @type {number} */ b) => +(a / b).toFixed(3);
const load = () => os.loadavg().map((l) => +l.toFixed(1));

async function main() {
	fs.rmSync(WORK, { recursive: true, force: true });
	const big = path.join(WORK, 'hub', REPO, FILE);
	console.log(`writing a ${SIZE_MB} MiB random file…`);
	const sha256 = makeBigFile(big, SIZE_MB);
	const total = SIZE_MB << 20;
	const hub = await startHub(path.join(WORK, 'hub'));
	await hub.control('repos', { id: REPO, files: [{ name: FILE, path: big, sha256 }] });
	const url = `${hub.url}/${REPO}/resolve/main/${FILE}`;
	const aria2 = await hasAria2();
	if (!aria2) console.log('aria2c not found: the aria2c rows are skipped (install Debian\'s aria2 to compare)');
	const dataDir = path.join(WORK, 'app');
	let app = await startApp(dataDir, hub.url);
	// The same build on one connection per file: the app before parallel parts.
	const single = await startApp(path.join(WORK, 'app-1'), hub.url, { LLM_MANAGER_DOWNLOAD_CONNECTIONS: '1' });
	const token = await adminToken(app.url);
	const singleToken = await adminToken(single.url);
	const what = { repo: REPO, file: FILE };
	const loads = [load()];
	try {
		/** @type {Record<string, number[]>} */
		const open = { curl: [], curlSha: [], aria2: [], app: [], app1: [], viewers: [] };
		await appRun(app, token, what); // warm-up (JIT, first Hub listing), not recorded
		await appRun(single, singleToken, what);
		// What ran just before shapes a run on this VM (a file deleted moments ago leaves warm memory for
		// the next one), so the order rotates every round: each contender follows each other one in turn.
		/** @type {[keyof typeof open, () => Promise<{bps: number, events?: number}>][]} */
		const contenders = [
			['curl', () => curlRun(url, WORK)],
			['curlSha', () => curlTeeShaRun(url, WORK, sha256)],
			...(aria2 ? /** @type {const} */ ([['aria2', () => aria2Run(url, WORK)]]) : []),
			['app', () => appRun(app, token, what)],
			['app1', () => appRun(single, singleToken, what)],
			['viewers', () => appRun(app, token, what, VIEWERS)]
		];
		for (let round = 0; round < ROUNDS; round++) {
			const line = [];
			let events = 0;
			for (let i = 0; i < contenders.length; i++) {
				const [name, run] = contenders[balancedOrder(contenders.length, round)[i]];
				const r = await run();
				open[name].push(r.bps);
				if (name === 'viewers') events = r.events ?? 0;
			}
			for (const [name, xs] of Object.entries(open)) if (xs.length) line.push(`${name} ${mbps(xs[xs.length - 1])}`);
			console.log(`unthrottled round ${round + 1} (MB/s): ${line.join(', ')} (${events} SSE events)`);
			loads.push(load());
		}

		// Each connection capped, as a CDN does.
		await hub.control('mode', { mode: { perConnection: CAP } });
		/** @type {Record<string, number[]>} */
		const capped = { aria2: [], app: [] };
		for (let round = 0; round < ROUNDS; round++) {
			if (aria2) capped.aria2.push((await aria2Run(url, WORK)).bps);
			capped.app.push((await appRun(app, token, what)).bps);
			console.log(`capped round ${round + 1} (MB/s): aria2 ${aria2 ? mbps(capped.aria2[round]) : '—'}, app ${mbps(capped.app[round])}`);
			loads.push(load());
		}
		// One connection at the cap takes long: one round each is enough to show it.
		const cappedCurl = (await curlRun(url, WORK)).bps;
		const cappedApp1 = (await appRun(single, singleToken, what)).bps;
		console.log(`capped, one connection (MB/s): curl ${mbps(cappedCurl)}, app with 1 connection ${mbps(cappedApp1)}`);
		await hub.control('reset', {});

		const hashing = await measureHashing({ hubUrl: hub.url, url, size: total, sha256, work: WORK, rounds: ROUNDS, connections: 8 });
		console.log(`SHA-256 gate (s): while parts arrive ${hashing.follow.map((s) => s.toFixed(2)).join(', ')}; one pass at the end ${hashing.end.map((s) => s.toFixed(2)).join(', ')}`);
		loads.push(load());

		// Resume after a kill: cap the connections so the kill lands mid-transfer.
		await hub.control('mode', { mode: { perConnection: 12.5e6 } });
		const started = await api(app.url, 'POST', '/api/models/download', token, what);
		await waitDone(app.url, token, started.body.task_id, (v) => v.downloaded_bytes > total * 0.4);
		app.child.kill('SIGKILL');
		await sleep(300);
		const partial = path.join(dataDir, 'models', REPO, `${FILE}.partial`);
		const sidecar = JSON.parse(fs.readFileSync(`${partial}.ranges.json`, 'utf8'));
		const kept = sidecar.done.reduce((/** @type {number} */ n, /** @type {number[]} */ [s, e]) => n + e - s, 0);
		await hub.control('reset', {});
		app = await startApp(dataDir, hub.url);
		const resumed = await waitDone(app.url, token, started.body.task_id);
		const sent = (await hub.control('stats')).bytes_sent[KEY] ?? 0;

		const m = (/** @type {number[]} */ xs) => (xs.length ? mbps(median(xs)) : null);
		const result = {
			date: new Date().toISOString().slice(0, 10),
			machine: `${os.cpus()[0]?.model?.trim()} ×${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
			file_mib: SIZE_MB,
			rounds: ROUNDS,
			unthrottled_mbps: { curl: m(open.curl), curl_tee_sha256sum: m(open.curlSha), aria2c_x8: m(open.aria2), app: m(open.app), app_1_connection: m(open.app1), app_50_viewers: m(open.viewers) },
			unthrottled_app_vs_aria2c: open.aria2.length ? ratio(median(open.app), median(open.aria2)) : null,
			unthrottled_app_vs_curl_tee_sha256sum: ratio(median(open.app), median(open.curlSha)),
			unthrottled_app_vs_curl: ratio(median(open.app), median(open.curl)),
			viewers_slowdown: +(1 - median(open.viewers) / median(open.app)).toFixed(3),
			cap_per_connection_mbps: CAP / 1e6,
			capped_mbps: { curl: mbps(cappedCurl), aria2c_x8: m(capped.aria2), app: m(capped.app), app_1_connection: mbps(cappedApp1) },
			capped_app_vs_aria2c: capped.aria2.length ? ratio(median(capped.app), median(capped.aria2)) : null,
			hash_while_receiving_s: +median(hashing.follow).toFixed(2),
			hash_at_end_s: +median(hashing.end).toFixed(2),
			load_average: loads,
			resume_status: resumed.status,
			resume_kept_bytes: kept,
			resume_sent_bytes: sent,
			resume_resent_bytes: sent - (total - kept)
		};
		console.log(`JSON ${JSON.stringify(result)}`);
		console.log(JSON.stringify(result, null, 2));
	} finally {
		app.child.kill('SIGKILL');
		single.child.kill('SIGKILL');
		hub.child.kill('SIGKILL');
		fs.rmSync(WORK, { recursive: true, force: true });
	}
}

await main();
