/**
 * `npm start`: builds the app only when `build/` is missing or older than the sources, then runs the
 * production server in this process (so signals reach its shutdown handler directly).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staleReason } from './build-state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reason = staleReason(root);
if (reason) {
	console.log(`Building the app (${reason})…`);
	// Under `npm start`, npm_execpath is npm's own CLI script: run it with this Node.
	const npmCli = process.env.npm_execpath;
	const [command, args] = npmCli ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
	const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) {
		console.error('The build failed; not starting.');
		process.exit(result.status ?? 1);
	}
}
await import(pathToFileURL(path.join(root, 'build/app-server/index.js')).href);
