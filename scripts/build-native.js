#!/usr/bin/env node
/**
 * `npm run build:native`: compiles node-llama-cpp's bundled llama.cpp source for this machine (its CPU
 * features, and CUDA or Vulkan when their toolkits are installed) with node-llama-cpp's own source
 * build, which clones the git bundle it ships (no network needed). node-llama-cpp keeps the result in
 * its local builds, and the app (`getLlama({build: 'never'})`) prefers a local build over the prebuilt
 * binaries from then on; without it, the prebuilt binaries work as before.
 *
 * Needs cmake and a C++ compiler (`apt-get install cmake g++`). Runs under `nice` so a shared machine
 * stays usable; `--gpu false` forces a CPU-only build.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

for (const [tool, hint] of [['cmake', 'apt-get install cmake'], ['c++', 'apt-get install g++']]) {
	if (!has(tool)) {
		console.error(`build:native needs ${tool} (${hint}); the app keeps using node-llama-cpp's prebuilt binaries.`);
		process.exit(1);
	}
}
const gpuArg = process.argv.find((a) => a.startsWith('--gpu'));
const gpu = gpuArg?.includes('=') ? gpuArg.split('=')[1] : gpuArg ? process.argv[process.argv.indexOf(gpuArg) + 1] : 'auto';
const cli = path.join(ROOT, 'node_modules/node-llama-cpp/dist/cli/cli.js');
const args = [cli, 'source', 'download', '--gpu', gpu, '--noUsageExample'];
const command = has('nice') ? ['nice', ['-n', '19', process.execPath, ...args]] : [process.execPath, args];
console.log(`building llama.cpp for this machine (gpu: ${gpu}); this takes a while…`);
const build = spawnSync(command[0], command[1], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) {
	console.error('build:native failed; the app keeps using the prebuilt binaries.');
	process.exit(build.status ?? 1);
}
// What the app will load from now on (getLlama forks a child to test the binary, so this runs as a file).
const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts/llama-info.js')], { cwd: ROOT, stdio: 'inherit' });
process.exit(check.status ?? 0);
