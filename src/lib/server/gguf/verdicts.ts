/**
 * The verdict of the child-process check (`probe.ts`) per file, cached per real path, size and mtime:
 * a file is checked once, the first time it is used, and again only after it changed. At most one
 * check runs at a time. The library lists a file that failed as unusable with the reason.
 */
import fsp from 'node:fs/promises';
import { getConfig } from '../config';
import { log } from '../log';
import { probeModelFile, type ProbeVerdict } from './probe';
import { ModelUnusableError } from './sanity';

type Stamp = { real: string; key: string };
const verdicts = new Map<string, { key: string; verdict: ProbeVerdict }>();
const running = new Map<string, Promise<ProbeVerdict>>();
let queue: Promise<unknown> = Promise.resolve();
const listeners = new Set<() => void>();

/** Hears when a file failed its check (the cached library listing must show it unusable). */
export function onVerdictFailed(listener: () => void): void {
	listeners.add(listener);
}


async function stampOf(file: string): Promise<Stamp> {
	const real = await fsp.realpath(file);
	const stat = await fsp.stat(real);
	return { real, key: `${stat.size}:${stat.mtimeMs}` };
}

/** The cached verdict for a file, if it was checked in its current state. */
export async function knownVerdict(file: string): Promise<ProbeVerdict | null> {
	try {
		const { real, key } = await stampOf(file);
		const hit = verdicts.get(real);
		return hit?.key === key ? hit.verdict : null;
	} catch {
		return null;
	}
}

/** Checks the file in a child process unless its verdict is known; resolves with the verdict. */
export async function verdictFor(file: string): Promise<ProbeVerdict> {
	const { real, key } = await stampOf(file);
	const hit = verdicts.get(real);
	if (hit?.key === key) return hit.verdict;
	const id = `${real}\0${key}`;
	let pending = running.get(id);
	if (!pending) {
		const started = Date.now();
		pending = queue.then(() => probeModelFile(real, { timeoutMs: getConfig().modelCheckTimeoutMs }));
		queue = pending.catch(() => {});
		running.set(id, pending);
		pending
			.then((verdict) => {
				verdicts.set(real, { key, verdict });
				if (verdict.ok) log.info('model file checked', { file: real, ms: Date.now() - started });
				else {
					log.warn('model file unusable', { file: real, reason: verdict.reason });
					for (const listener of listeners) listener();
				}
			})
			.catch((err) => log.error('model file check failed to run', { file: real, error: String(err) }))
			.finally(() => running.delete(id));
	}
	return pending;
}

/** Throws `ModelUnusableError` (422) when the file failed its check. */
export async function assertUsable(file: string): Promise<void> {
	const verdict = await verdictFor(file);
	if (!verdict.ok) throw new ModelUnusableError(verdict.reason);
}
