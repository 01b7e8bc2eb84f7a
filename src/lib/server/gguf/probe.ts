/**
 * Tries a model file in a child process before this process loads it: loads it with llama.cpp, resolves
 * and renders its chat template the way a chat does, and evaluates a few tokens. A file that makes
 * llama.cpp abort, a template that runs away (time or memory), or tensor data that stalls the load end
 * the child, never this process. Limits: `timeoutMs` of wall time, a V8 heap cap for the template, and
 * a resident-memory cap (the file's size plus 2 GiB) checked while it runs.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type ProbeVerdict = { ok: true } | { ok: false; reason: string };
export type ProbeOptions = { timeoutMs: number; heapMb?: number };

const HEAP_MB = 256;
const EXTRA_RSS = 2 * 1024 ** 3;

const STEPS: Record<string, string> = {
	start: 'llama.cpp could not start for the check',
	load: 'loading the model',
	template: 'rendering its chat template',
	context: 'creating a context',
	evaluate: 'evaluating a prompt'
};

// Runs as `node <script file> <node-llama-cpp module> <file>` (a file, not `-e`: node-llama-cpp forks
// itself with the same arguments to test its binding); prints one JSON line per step.
const SCRIPT = `
const [moduleUrl, file] = process.argv.slice(2);
const say = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
say({ step: 'start' });
const { getLlama, LlamaLogLevel, resolveChatWrapper } = await import(moduleUrl);
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.disabled, progressLogs: false });
say({ step: 'load' });
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
say({ step: 'template' });
const wrapper = resolveChatWrapper(model);
wrapper.generateContextState({ chatHistory: [
	{ type: 'system', text: 'You are a helpful assistant.' },
	{ type: 'user', text: 'Hello' },
	{ type: 'model', response: ['Hi!'] },
	{ type: 'user', text: 'How are you?' },
	{ type: 'model', response: [] }
] });
say({ step: 'context' });
const context = await model.createContext({ contextSize: 128, threads: 1 });
say({ step: 'evaluate' });
await context.getSequence().evaluateWithoutGeneratingNewTokens(model.tokenize('Hello'));
say({ ok: true });
process.exit(0);
`;

let scriptFile: Promise<string> | null = null;
function script(): Promise<string> {
	scriptFile ??= (async () => {
		const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'llm-manager-check-'));
		const file = path.join(dir, 'check-model.mjs');
		await fsp.writeFile(file, SCRIPT);
		return file;
	})();
	return scriptFile;
}

function moduleUrl(): string {
	try {
		return import.meta.resolve('node-llama-cpp');
	} catch {
		return 'node-llama-cpp';
	}
}

async function residentBytes(pid: number): Promise<number> {
	try {
		const statm = await fsp.readFile(`/proc/${pid}/statm`, 'utf8');
		return Number(statm.split(' ')[1]) * 4096;
	} catch {
		return 0;
	}
}

export async function probeModelFile(file: string, options: ProbeOptions): Promise<ProbeVerdict> {
	const size = (await fsp.stat(file)).size;
	const child = spawn(
		process.execPath,
		[`--max-old-space-size=${options.heapMb ?? HEAP_MB}`, await script(), moduleUrl(), file],
		{ stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } }
	);
	let step = 'start';
	let ok = false;
	let killedFor: string | null = null;
	let stderr = '';
	let buffered = '';
	child.stdout.on('data', (chunk: Buffer) => {
		buffered += chunk.toString();
		let end: number;
		while ((end = buffered.indexOf('\n')) >= 0) {
			const line = buffered.slice(0, end);
			buffered = buffered.slice(end + 1);
			try {
				const message = JSON.parse(line) as { step?: string; ok?: boolean };
				if (message.step) step = message.step;
				if (message.ok) ok = true;
			} catch {
				// llama.cpp output, not ours
			}
		}
	});
	child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
	const kill = (why: string) => {
		killedFor ??= why;
		child.kill('SIGKILL');
	};
	const timer = setTimeout(() => kill(`took longer than ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
	const watch = setInterval(() => {
		if (child.pid) void residentBytes(child.pid).then((rss) => rss > size + EXTRA_RSS && kill('used too much memory'));
	}, 250);
	const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
		child.on('error', () => resolve({ code: -1, signal: null }));
		child.on('exit', (code, signal) => resolve({ code, signal }));
	});
	clearTimeout(timer);
	clearInterval(watch);
	if (ok && exit.code === 0) return { ok: true };
	const during = STEPS[step] ?? step;
	if (killedFor) return { ok: false, reason: `the check ${killedFor} while ${during}` };
	if (/heap out of memory|Allocation failed/i.test(stderr)) return { ok: false, reason: `the check ran out of memory while ${during}` };
	const assertion = /GGML_ASSERT\([^)]*\)[^\n]*|error: [^\n]+|Error: [^\n]+/.exec(stderr)?.[0];
	const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
	return { ok: false, reason: `llama.cpp ${how} while ${during}${assertion ? ` (${assertion.slice(0, 200)})` : ''}` };
}
