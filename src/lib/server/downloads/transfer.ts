/**
 * Transfers one file into `<target>.partial` with HTTP Range, resuming from the partial's length and
 * hashing as it goes. A transfer that receives no byte for `stallMs` is aborted as a stall.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type http from 'node:http';
import { openHubStream } from '../hub/stream';
import { WRITE_INTERVAL_MS } from './lane-writer';

/** Retrying may help (network error, stall, 5xx). */
export class TransientError extends Error {}
/** Retrying will not help (404, access refused, wrong SHA-256). */
export class PermanentError extends Error {}
/** The Hub or its CDN refused the file (403, 404): a signed CDN address may have expired. */
export class RefusedError extends PermanentError {}
/** The disk is full: the partial file stays for a later resume. */
export class DiskFullError extends PermanentError {
	readonly code = 'ENOSPC';
	constructor() {
		super('disk full');
	}
}

export type TransferOptions = {
	url: string;
	partialPath: string;
	size: number;
	sha256: string | null;
	stallMs: number;
	signal: AbortSignal;
	onBytes: (n: number) => void;
};

const WRITE_BATCH = 1 << 20;

/** Hashes what the partial file already holds (a resume must verify the whole file). */
async function hashExisting(file: string, length: number, hash: crypto.Hash, signal: AbortSignal): Promise<void> {
	if (length === 0) return;
	const stream = fs.createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1 << 20, signal });
	for await (const chunk of stream) hash.update(chunk as Buffer);
}

export async function partialSize(file: string): Promise<number> {
	try {
		return (await fsp.stat(file)).size;
	} catch {
		return 0;
	}
}

/** Downloads the missing bytes of one file and verifies it. Resolves when the partial is complete. */
export async function transferFile(o: TransferOptions): Promise<void> {
	let have = await partialSize(o.partialPath);
	if (have > o.size) {
		await fsp.truncate(o.partialPath, 0);
		have = 0;
	}
	// The hash follows the bytes as they arrive; a resume first hashes what is already there.
	const state = { hash: crypto.createHash('sha256') };
	await hashExisting(o.partialPath, have, state.hash, o.signal);
	if (have < o.size) have = await fetchInto(o, have, state);
	if (have !== o.size) throw new TransientError(`transfer ended at ${have} of ${o.size} bytes`);
	verify(o, state.hash.digest('hex'));
}

function verify(o: TransferOptions, digest: string): void {
	if (o.sha256 && digest !== o.sha256.toLowerCase()) {
		void fsp.rm(o.partialPath, { force: true });
		throw new PermanentError(`SHA-256 mismatch (expected ${o.sha256}, got ${digest})`);
	}
}

/** One HTTP request from `have` onwards; returns the partial's new length. */
async function fetchInto(o: TransferOptions, have: number, state: { hash: crypto.Hash }): Promise<number> {
	const stall = new AbortController();
	const signal = AbortSignal.any([o.signal, stall.signal]);
	let response: http.IncomingMessage;
	try {
		response = await openHubStream(o.url, {
			signal,
			timeoutMs: Math.max(o.stallMs, 10_000),
			headers: have > 0 ? { range: `bytes=${have}-` } : {}
		});
	} catch (err) {
		throw classify(err, o.signal);
	}
	if (response.statusCode === 416) {
		response.resume();
		return have;
	}
	if (have > 0 && response.statusCode === 200) {
		have = 0; // the server ignored Range: start over
		state.hash = crypto.createHash('sha256');
	}
	const range = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
	if (response.statusCode === 206 && (!range || Number(range[1]) !== have)) {
		response.destroy();
		throw new TransientError(`the Hub answered a different range (${response.headers['content-range']})`);
	}
	const announced = Number(response.headers['content-length'] ?? NaN);
	if (announced > o.size - have) {
		response.destroy();
		throw new PermanentError(`the Hub announced ${have + announced} bytes for a file of ${o.size}`);
	}
	const file = await fsp.open(o.partialPath, have === 0 ? 'w' : 'a');
	let lastByteAt = Date.now();
	const watchdog = setInterval(() => {
		if (Date.now() - lastByteAt > o.stallMs) stall.abort(new TransientError(`no data for ${o.stallMs / 1000} s`));
	}, Math.min(1000, o.stallMs / 2));
	// One write in flight at a time; its failure (ENOSPC) is kept and thrown by the next flush, so no
	// write promise is ever left rejected without a handler.
	let pending: Promise<void> = Promise.resolve();
	let writeError: unknown = null;
	let batch: Buffer[] = [];
	let batchSize = 0;
	let lastFlush = Date.now();
	const flush = async () => {
		lastFlush = Date.now();
		await pending;
		if (writeError) throw writeError;
		if (batchSize === 0) return;
		// writev, not Buffer.concat: a fresh 1 MB buffer per batch costs more than the hashing.
		const chunks = batch;
		batch = [];
		batchSize = 0;
		pending = file.writev(chunks).then(
			() => {},
			(err) => void (writeError = err)
		);
	};
	try {
		signal.addEventListener('abort', () => response.destroy(signal.reason), { once: true });
		for await (const data of response) {
			lastByteAt = Date.now();
			const chunk = data as Buffer;
			if (have + chunk.length > o.size) {
				response.destroy();
				throw new PermanentError(`the Hub sent more than the declared ${o.size} bytes`);
			}
			state.hash.update(chunk);
			batch.push(chunk);
			batchSize += chunk.length;
			have += chunk.length;
			o.onBytes(chunk.length);
			if (batchSize >= WRITE_BATCH || lastByteAt - lastFlush >= WRITE_INTERVAL_MS) await flush();
		}
		if (signal.aborted) throw signal.reason;
		await flush();
		await pending;
		if (writeError) throw writeError;
	} catch (err) {
		throw classify(writeError ?? (stall.signal.aborted ? stall.signal.reason : err), o.signal);
	} finally {
		clearInterval(watchdog);
		await flush().catch(() => {});
		await file.close().catch(() => {});
	}
	return have;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal.aborted) return reject(signal.reason);
		const timer = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
	});
}

/** Our own abort (pause, cancel, shutdown) passes through; everything else says whether to retry. */
export function classify(err: unknown, own: AbortSignal): unknown {
	if (own.aborted) return own.reason;
	if (err instanceof TransientError || err instanceof PermanentError) return err;
	if ((err as NodeJS.ErrnoException)?.code === 'ENOSPC') return new DiskFullError();
	const status = (err as { status?: number })?.status;
	const code = (err as { code?: string })?.code;
	if (status === 403 || status === 404) return new RefusedError((err as Error).message);
	if (code === 'offline') return new PermanentError((err as Error).message);
	return new TransientError(err instanceof Error ? err.message : String(err));
}
