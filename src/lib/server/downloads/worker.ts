/**
 * One download's worker: every file of the model in turn into `<file>.partial`, each verified, with
 * retries and back-off for transient failures; then the files are renamed into place (the first one,
 * which names the model, last, so the library never sees an incomplete split set). A file of at least
 * two parts' size goes on several connections (`parallel.ts`), a smaller one, or one from a server
 * without Range support, on one (`transfer.ts`). Every connection takes a slot of the shared `slots`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { resolveUrl } from '../hub/client';
import { pathInside } from '../hub/ids';
import type { FileEntry } from '../hub/quant';
import { ConnectionSlots } from './connections';
import { MIN_PART_BYTES, NoRangesError, toPrefixOnly, transferRanged, writtenRanges } from './parallel';
import { doneBytes, removeSidecar } from './ranges';
import { DiskFullError, PermanentError, TransientError, partialSize, sleep, transferFile, type TransferOptions } from './transfer';

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
	/** Connections for one file (1: no ranged parts). */
	connections?: number;
	/** Connection slots shared with every other download. */
	slots?: ConnectionSlots;
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
		total += done === part.size_bytes ? done : doneBytes(await writtenRanges(partialPathOf(target), part.size_bytes));
	}
	return total;
}

/** Deletes partial files (cancel); with `all`, also parts already renamed into place. */
export async function removePartials(job: Job, { all = false } = {}): Promise<void> {
	for (const part of job.parts) {
		const target = targetPath(job, part.file);
		await fsp.rm(partialPathOf(target), { force: true });
		await removeSidecar(partialPathOf(target));
		if (all) await fsp.rm(target, { force: true });
	}
}

/** Runs the job to the end. Rejects with a `PermanentError`, the last `TransientError`, or the abort reason. */
export async function runJob(job: Job, hooks: WorkerHooks): Promise<void> {
	const backoff = hooks.backoffMs ?? ((n: number) => 1000 * 2 ** (n - 1));
	const connections = hooks.connections ?? 1;
	const slots = hooks.slots ?? new ConnectionSlots(connections);
	for (const part of job.parts) {
		const target = targetPath(job, part.file);
		if ((await partialSize(target)) === part.size_bytes) continue; // renamed in an earlier run
		await fsp.mkdir(path.dirname(target), { recursive: true });
		const transfer: TransferOptions = {
			url: resolveUrl(job.repo, job.revision, part.file),
			partialPath: partialPathOf(target),
			size: part.size_bytes,
			sha256: part.sha256,
			stallMs: hooks.stallMs,
			signal: hooks.signal,
			onBytes: hooks.onBytes
		};
		if (connections > 1 && part.size_bytes >= 2 * MIN_PART_BYTES) {
			try {
				await transferRanged({ ...transfer, connections, slots, maxTries: MAX_TRIES, backoffMs: backoff, onRetry: hooks.onRetry });
				continue;
			} catch (err) {
				if (!(err instanceof NoRangesError)) throw err;
			}
		}
		await toPrefixOnly(transfer.partialPath, part.size_bytes);
		await transferSingle(transfer, slots, hooks, backoff);
	}
	for (const part of [...job.parts].reverse()) {
		const target = targetPath(job, part.file);
		if ((await partialSize(target)) === part.size_bytes) continue;
		await fsp.rename(partialPathOf(target), target);
	}
}

/** One file on one connection, with retries; a try that moved the transfer forward does not count. */
async function transferSingle(transfer: TransferOptions, slots: ConnectionSlots, hooks: WorkerHooks, backoff: (n: number) => number): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		let received = 0;
		const release = await slots.acquire(hooks.signal);
		try {
			await transferFile({
				...transfer,
				onBytes: (n) => {
					received += n;
					hooks.onBytes(n);
				}
			});
			return;
		} catch (err) {
			if (hooks.signal.aborted || err instanceof PermanentError) throw err;
			if ((err as NodeJS.ErrnoException)?.code === 'ENOSPC') throw new DiskFullError();
			const message = err instanceof Error ? err.message : String(err);
			if (attempt >= MAX_TRIES) throw new TransientError(`${message} (gave up after ${MAX_TRIES} tries)`);
			hooks.onRetry?.(attempt, message);
			release();
			const wait = backoff(attempt);
			if (received > 0) attempt = 0;
			await sleep(wait, hooks.signal);
		} finally {
			release();
		}
	}
}
