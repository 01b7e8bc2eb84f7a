/**
 * One download's worker: every part of the model in turn into `<file>.partial`, each verified, with
 * retries and back-off for transient failures; then the parts are renamed into place (the first part,
 * which names the model, last, so the library never sees an incomplete split set).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { resolveUrl } from '../hub/client';
import { pathInside } from '../hub/ids';
import type { FileEntry } from '../hub/quant';
import { DiskFullError, PermanentError, TransientError, partialSize, transferFile } from './transfer';

export const MAX_TRIES = 5;

export type Job = { repo: string; revision: string; parts: FileEntry[]; modelsDir: string };

export type WorkerHooks = {
	signal: AbortSignal;
	stallMs: number;
	onBytes: (n: number) => void;
	/** A transient failure is being retried (attempt is 1-based). */
	onRetry?: (attempt: number, error: string) => void;
	/** Back-off before try n+1. Defaults to 1 s, 2 s, 4 s, 8 s. */
	backoffMs?: (attempt: number) => number;
};

export function targetPath(job: Pick<Job, 'repo' | 'modelsDir'>, file: string): string {
	return pathInside(job.modelsDir, `${job.repo}/${file}`);
}

export const partialPathOf = (target: string) => `${target}.partial`;

/** Bytes already on disk for the job (finished parts and partial files). */
export async function bytesOnDisk(job: Job): Promise<number> {
	let total = 0;
	for (const part of job.parts) {
		const target = targetPath(job, part.file);
		const done = await partialSize(target);
		total += done === part.size_bytes ? done : Math.min(await partialSize(partialPathOf(target)), part.size_bytes);
	}
	return total;
}

/** Deletes partial files (cancel); with `all`, also parts already renamed into place. */
export async function removePartials(job: Job, { all = false } = {}): Promise<void> {
	for (const part of job.parts) {
		const target = targetPath(job, part.file);
		await fsp.rm(partialPathOf(target), { force: true });
		if (all) await fsp.rm(target, { force: true });
	}
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal.aborted) return reject(signal.reason);
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
	});
}

/** Runs the job to the end. Rejects with a `PermanentError`, the last `TransientError`, or the abort reason. */
export async function runJob(job: Job, hooks: WorkerHooks): Promise<void> {
	const backoff = hooks.backoffMs ?? ((n: number) => 1000 * 2 ** (n - 1));
	for (const part of job.parts) {
		const target = targetPath(job, part.file);
		if ((await partialSize(target)) === part.size_bytes) continue; // renamed in an earlier run
		await fsp.mkdir(path.dirname(target), { recursive: true });
		for (let attempt = 1; ; attempt++) {
			let received = 0;
			try {
				await transferFile({
					url: resolveUrl(job.repo, job.revision, part.file),
					partialPath: partialPathOf(target),
					size: part.size_bytes,
					sha256: part.sha256,
					stallMs: hooks.stallMs,
					signal: hooks.signal,
					onBytes: (n) => {
						received += n;
						hooks.onBytes(n);
					}
				});
				break;
			} catch (err) {
				if (hooks.signal.aborted || err instanceof PermanentError) throw err;
				if ((err as NodeJS.ErrnoException)?.code === 'ENOSPC') throw new DiskFullError();
				const message = err instanceof Error ? err.message : String(err);
				if (attempt >= MAX_TRIES) throw new TransientError(`${message} (gave up after ${MAX_TRIES} tries)`);
				hooks.onRetry?.(attempt, message);
				const wait = backoff(attempt);
				// A try that moved the transfer forward does not count against the limit.
				if (received > 0) attempt = 0;
				await sleep(wait, hooks.signal);
			}
		}
	}
	for (const part of [...job.parts].reverse()) {
		const target = targetPath(job, part.file);
		if ((await partialSize(target)) === part.size_bytes) continue;
		await fsp.rename(partialPathOf(target), target);
	}
}
