// @ts-check
/**
 * What `npm run build:native` gains: prefill (512 tokens) and generation (128 tokens) tokens/s with the
 * library the app loads (the local build, when `npm run build:native` made one) against node-llama-cpp's
 * prebuilt binaries, same model and threads, each measurement in its own process, rounds alternating.
 * Without a local build both rows use the prebuilt binaries (ratio ≈ 1) and the script says so.
 *
 * Usage: node bench/native.js   (env BENCH_ROUNDS, default 3; BENCH_THREADS)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_MODEL_OPTIONS, writeTinyLlama } from '../tests/fixtures/gguf.js';
import { percentile, round } from './lib/stats.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work/native');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = Number(process.env.BENCH_THREADS ?? Math.max(1, os.availableParallelism() - 1));

fs.rmSync(WORK, { recursive: true, force: true });
const file = path.join(WORK, 'bench-f16.gguf');
writeTinyLlama(file, BENCH_MODEL_OPTIONS);

/** @param {'app' | 'prebuilt'} library */
function measure(library) {
	const r = spawnSync(process.execPath, [path.join(ROOT, 'bench/lib/native-child.js'), file, library, String(THREADS)], { encoding: 'utf8' });
	const line = r.stdout.trim().split('\n').at(-1) ?? '';
	if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${library}: ${r.stderr || r.stdout}`);
	return JSON.parse(line);
}

/** @type {Record<'app' | 'prebuilt', {build: string, prefill_tps: number, gen_tps: number}[]>} */
const runs = { app: [], prebuilt: [] };
try {
	for (let i = 0; i < ROUNDS; i++) for (const library of /** @type {const} */ (['prebuilt', 'app'])) runs[library].push(measure(library));
} finally {
	fs.rmSync(WORK, { recursive: true, force: true });
}
/** @param {'app' | 'prebuilt'} library @param {'prefill_tps' | 'gen_tps'} key */
const med = (library, key) => percentile(runs[library].map((r) => r[key]), 50);
const out = {
	threads: THREADS,
	app_library: runs.app[0].build,
	prefill_tps: { prebuilt: round(med('prebuilt', 'prefill_tps'), 1), app: round(med('app', 'prefill_tps'), 1) },
	generation_tps: { prebuilt: round(med('prebuilt', 'gen_tps'), 1), app: round(med('app', 'gen_tps'), 1) }
};
if (out.app_library !== 'localBuild') console.log('no local build (npm run build:native): the app runs on the prebuilt binaries, so both rows are the same library');
console.log(`prefill 512 tokens: prebuilt ${out.prefill_tps.prebuilt} tok/s, app (${out.app_library}) ${out.prefill_tps.app} tok/s → ×${round(out.prefill_tps.app / out.prefill_tps.prebuilt, 2)}`);
console.log(`generation 128 tokens: prebuilt ${out.generation_tps.prebuilt} tok/s, app (${out.app_library}) ${out.generation_tps.app} tok/s → ×${round(out.generation_tps.app / out.generation_tps.prebuilt, 2)}`);
console.log(`JSON ${JSON.stringify(out)}`);
