// @ts-check
/**
 * Builds `llama-server` once from the llama.cpp source that node-llama-cpp ships
 * (`node_modules/node-llama-cpp/llama/gitRelease.bundle`), CPU only, tuned for this machine
 * (`GGML_NATIVE`), into `bench/.cache/llama-server/` (kept between runs). The compile runs under
 * `nice -n 19` with few jobs (`BENCH_BUILD_JOBS`, default 2) so a shared machine stays usable.
 *
 * Usage: `node bench/lib/llama-server.js` builds it (or says why not); benchmarks import `ensureLlamaServer`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CACHE = path.join(ROOT, 'bench/.cache/llama-server');
const BUNDLE = path.join(ROOT, 'node_modules/node-llama-cpp/llama/gitRelease.bundle');
const JOBS = process.env.BENCH_BUILD_JOBS ?? '2';

/** @param {string} cmd @param {string[]} args @param {string} [cwd] */
function run(cmd, args, cwd) {
	const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

const has = (/** @type {string} */ cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/**
 * The path of a built `llama-server`, building it first when needed; null (with the reason printed)
 * when it cannot be built here.
 * @returns {string | null}
 */
export function ensureLlamaServer() {
	const binary = path.join(CACHE, 'build/bin/llama-server');
	if (fs.existsSync(binary)) return binary;
	for (const tool of ['cmake', 'git']) {
		if (!has(tool)) {
			console.log(`llama-server comparison skipped: ${tool} is not installed (apt-get install cmake g++ git)`);
			return null;
		}
	}
	if (!has('c++') && !has('g++') && !has('clang++')) {
		console.log('llama-server comparison skipped: no C++ compiler (apt-get install g++)');
		return null;
	}
	if (!fs.existsSync(BUNDLE)) {
		console.log(`llama-server comparison skipped: ${path.relative(ROOT, BUNDLE)} is missing`);
		return null;
	}
	const src = path.join(CACHE, 'src');
	if (!fs.existsSync(path.join(src, 'CMakeLists.txt'))) {
		fs.rmSync(src, { recursive: true, force: true });
		fs.mkdirSync(CACHE, { recursive: true });
		run('git', ['clone', '--quiet', BUNDLE, src]);
	}
	console.log(`building llama-server (nice -n 19, ${JOBS} jobs); this takes a while once, then it is cached`);
	const build = path.join(CACHE, 'build');
	run('nice', ['-n', '19', 'cmake', '-S', src, '-B', build, '-DCMAKE_BUILD_TYPE=Release', '-DLLAMA_CURL=OFF', '-DGGML_NATIVE=ON',
		'-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF', '-DLLAMA_BUILD_SERVER=ON', '-DGGML_CUDA=OFF', '-DGGML_VULKAN=OFF', '-DGGML_METAL=OFF']);
	run('nice', ['-n', '19', 'cmake', '--build', build, '--target', 'llama-server', 'llama-bench', '-j', JOBS]);
	return fs.existsSync(binary) ? binary : null;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const binary = ensureLlamaServer();
	console.log(binary ? `llama-server: ${path.relative(ROOT, binary)}` : 'llama-server not built');
}
