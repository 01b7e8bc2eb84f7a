import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER, staleReason } from '../../scripts/build-state.js';
import { ROOT, freePort, tempDir } from '../helpers/server';

type Run = { code: number | null; output: string };

/** Runs `npm start` in `cwd` until `done(output)` holds (then SIGTERM) or the process exits by itself. */
function npmStart(cwd: string, env: Record<string, string>, done: (output: string) => boolean): Promise<Run> {
	return new Promise((resolve) => {
		const child = spawn('npm', ['start'], {
			cwd,
			env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tempDir(), ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true
		});
		let output = '';
		let stopped = false;
		const stopGroup = () => {
			if (stopped) return;
			stopped = true;
			try {
				process.kill(-child.pid!, 'SIGTERM');
			} catch {
				// already gone
			}
		};
		const onData = (d: Buffer) => {
			output += d;
			if (done(output)) stopGroup();
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		const timer = setTimeout(() => {
			output += '\n[timed out]';
			stopGroup();
		}, 60_000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, output });
		});
	});
}

/** A tiny project with the real start scripts and a stand-in build that takes no time. */
function makeProject(): string {
	const dir = tempDir('llm-manager-start-');
	fs.cpSync(path.join(ROOT, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
	fs.mkdirSync(path.join(dir, 'src'));
	fs.writeFileSync(path.join(dir, 'src/app.ts'), 'export {};\n');
	fs.writeFileSync(
		path.join(dir, 'fake-build.js'),
		`import fs from 'node:fs';
fs.mkdirSync('build/app-server', { recursive: true });
fs.writeFileSync('build/app-server/index.js', "console.log('server running');\\n");
console.log('BUILD RAN');
`
	);
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify({
			name: 'start-check',
			type: 'module',
			scripts: { build: 'node fake-build.js && node scripts/build-state.js mark', start: 'node scripts/start.js' }
		})
	);
	return dir;
}

function touchFuture(file: string, seconds: number): void {
	const when = new Date(Date.now() + seconds * 1000);
	fs.utimesSync(file, when, when);
}

describe('npm start', () => {
	it('builds the first time and when a source changed, and not otherwise', async () => {
		const dir = makeProject();
		const started = (out: string) => out.includes('server running');

		const first = await npmStart(dir, {}, started);
		expect(first.output).toContain('Building the app (no complete build yet)');
		expect(first.output).toContain('BUILD RAN');
		expect(first.output).toContain('server running');

		const second = await npmStart(dir, {}, started);
		expect(second.output).toContain('server running');
		expect(second.output).not.toContain('BUILD RAN');

		// A test file next to the code is not part of the build.
		fs.writeFileSync(path.join(dir, 'src/app.test.ts'), 'export {};\n');
		touchFuture(path.join(dir, 'src/app.test.ts'), 60);
		expect(staleReason(dir)).toBeNull();

		touchFuture(path.join(dir, 'src/app.ts'), 60);
		const third = await npmStart(dir, {}, started);
		expect(third.output).toContain('Building the app (sources changed since the last build)');
		expect(third.output).toContain('BUILD RAN');
	});

	it('does not start when the build fails', async () => {
		const dir = makeProject();
		fs.writeFileSync(path.join(dir, 'fake-build.js'), "console.error('syntax error somewhere'); process.exit(2);\n");
		const run = await npmStart(dir, {}, () => false);
		expect(run.code).not.toBe(0);
		expect(run.output).toContain('The build failed; not starting.');
		expect(fs.existsSync(path.join(dir, MARKER))).toBe(false);
	});

	it('starts the already built app without rebuilding it', async () => {
		const reason = staleReason(ROOT);
		if (reason) throw new Error(`build/ is not up to date (${reason}): run \`npm run build\` first`);
		const builtAt = fs.statSync(path.join(ROOT, MARKER)).mtimeMs;
		const port = await freePort();
		const run = await npmStart(
			ROOT,
			{ LLM_MANAGER_PORT: String(port), LLM_MANAGER_DATA_DIR: tempDir(), LLM_MANAGER_GPU: 'false', LLM_MANAGER_THREADS: '1' },
			(out) => out.includes('LLM Manager listening on')
		);
		expect(run.output).toContain(`LLM Manager listening on http://127.0.0.1:${port}`);
		expect(run.output).not.toContain('Building the app');
		expect(fs.statSync(path.join(ROOT, MARKER)).mtimeMs).toBe(builtAt);
	});
});
