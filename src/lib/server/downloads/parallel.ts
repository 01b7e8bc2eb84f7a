/**
 * Transfers one file as byte ranges on several connections at once, each written in place at its
 * offset into `<target>.partial`, with the written ranges recorded in a sidecar (`ranges.ts`) so a
 * resume fetches only what is missing. A part that fails or stalls is retried alone, with back-off,
 * while the others go on. The SHA-256 follows the written prefix (`prefix-hash.ts`) and gates the end.
 * A server that answers a range with the whole file (no Range support) ends this with `NoRangesError`:
 * the caller falls back to one connection.
 */
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import type http from 'node:http';
import { openHubStreamAt } from '../hub/stream';
import type { ConnectionSlots } from './connections';
import { PrefixHasher } from './prefix-hash';
import { addRange, missingRanges, planParts, prefixEnd, readSidecar, removeSidecar, writeSidecar, type ByteRange } from './ranges';
import { PermanentError, RefusedError, TransientError, classify, partialSize, sleep, type TransferOptions } from './transfer';

/** No piece is smaller than this (a file under two pieces goes on one connection). */
export const MIN_PART_BYTES = 8 * 1024 * 1024;
/** Nor larger than this (a retry re-asks at most this much; the hash never lags far behind). */
const MAX_PART_BYTES = 64 * 1024 * 1024;
const WRITE_BATCH = 1 << 20;
const WRITE_INTERVAL_MS = 500;
const SAVE_INTERVAL_MS = 500;

export class NoRangesError extends Error {
	constructor() {
		super('the Hub does not serve byte ranges for this file');
	}
}

export type RangedOptions = TransferOptions & {
	connections: number;
	slots: ConnectionSlots;
	maxTries: number;
	backoffMs: (attempt: number) => number;
	onRetry?: (attempt: number, error: string) => void;
	/** Hash while parts arrive (default) rather than in one pass at the end. */
	hashWhileReceiving?: boolean;
};

/** The written ranges of a partial file: its sidecar, or else its length as a prefix. */
export async function writtenRanges(partialPath: string, size: number): Promise<ByteRange[]> {
	const recorded = await readSidecar(partialPath, size);
	if (recorded) return recorded;
	const have = await partialSize(partialPath);
	return have > 0 && have <= size ? [[0, have]] : [];
}

/** Before a single-connection transfer: keep only the written prefix of a partial written in parts. */
export async function toPrefixOnly(partialPath: string, size: number): Promise<void> {
	const recorded = await readSidecar(partialPath, size);
	if (!recorded) return;
	const end = prefixEnd(recorded);
	if ((await partialSize(partialPath)) > end) await fsp.truncate(partialPath, end);
	await removeSidecar(partialPath);
}

/** The written ranges of one ranged transfer, saved at most every `SAVE_INTERVAL_MS` while parts arrive. */
class Ranged {
	done: ByteRange[];
	#saving: Promise<void> = Promise.resolve();
	#writing: Promise<void> = Promise.resolve();
	#saveTimer: ReturnType<typeof setTimeout> | null = null;
	#settled = false;

	constructor(
		readonly o: RangedOptions,
		readonly hasher: PrefixHasher,
		done: ByteRange[]
	) {
		this.done = done;
	}

	/**
	 * Runs the file's writes one at a time: concurrent writes to one file only queue on its lock in the
	 * kernel (several times the system time per byte, measured).
	 */
	write(run: () => Promise<void>): Promise<void> {
		const next = this.#writing.then(run);
		this.#writing = next.catch(() => {});
		return next;
	}

	/** Bytes `[start, end)` reached the file. */
	written(start: number, end: number): void {
		this.done = addRange(this.done, [start, end]);
		this.hasher.advance(prefixEnd(this.done));
		if (this.#settled) return;
		this.#saveTimer ??= setTimeout(() => {
			this.#saveTimer = null;
			void this.save().catch(() => {});
		}, SAVE_INTERVAL_MS);
	}

	/** Records the written ranges (one save at a time, the latest state wins). */
	save(): Promise<void> {
		const next = this.#saving.then(() => writeSidecar(this.o.partialPath, this.o.size, this.done));
		this.#saving = next.catch(() => {});
		return next;
	}

	/** No more saves on their own; resolves when the one in flight is done. */
	async settle(): Promise<void> {
		this.#settled = true;
		if (this.#saveTimer) clearTimeout(this.#saveTimer);
		this.#saveTimer = null;
		await this.#saving;
	}
}

export async function transferRanged(o: RangedOptions): Promise<void> {
	const done = await writtenRanges(o.partialPath, o.size);
	await writeSidecar(o.partialPath, o.size, done); // before any byte lands past the prefix
	const parts = planParts(missingRanges(done, o.size), o.connections, MIN_PART_BYTES, MAX_PART_BYTES);
	const file = await fsp.open(o.partialPath, fs.constants.O_RDWR | fs.constants.O_CREAT);
	const hasher = new PrefixHasher(file, o.hashWhileReceiving ?? true);
	const state = new Ranged(o, hasher, done);
	hasher.advance(prefixEnd(done));
	let keepRecord = true;
	try {
		await runLanes(state, file, parts);
		const digest = await hasher.digest(o.size);
		await state.settle();
		keepRecord = false;
		if (o.sha256 && digest !== o.sha256.toLowerCase()) {
			await file.close().catch(() => {});
			await fsp.rm(o.partialPath, { force: true });
			await removeSidecar(o.partialPath);
			throw new PermanentError(`SHA-256 mismatch (expected ${o.sha256}, got ${digest})`);
		}
		// Complete and verified: from here the file's length alone says so, until it is renamed.
		await removeSidecar(o.partialPath);
	} finally {
		await state.settle();
		if (keepRecord) await state.save().catch(() => {});
		await file.close().catch(() => {});
	}
}

/**
 * `connections` lanes take parts from one queue. The first lane's first answer shows whether the
 * server serves ranges before the others connect. The first final failure stops every lane.
 */
async function runLanes(state: Ranged, file: FileHandle, parts: ByteRange[]): Promise<void> {
	if (parts.length === 0) return;
	const { o } = state;
	const stop = new AbortController();
	const signal = AbortSignal.any([o.signal, stop.signal]);
	const queue = [...parts];
	let confirm!: () => void;
	let refuse!: (err: unknown) => void;
	const confirmed = new Promise<void>((ok, no) => ((confirm = ok), (refuse = no)));
	confirmed.catch(() => {});
	const lane = async (first: boolean) => {
		if (!first) await confirmed;
		const at: Lane = { url: null };
		for (let part = queue.shift(); part && !signal.aborted; part = queue.shift()) {
			await fetchPart(state, file, at, part, signal, first ? confirm : () => {});
		}
	};
	const lanes = Array.from({ length: Math.min(o.connections, parts.length) }, (_, i) =>
		lane(i === 0).catch((err) => {
			refuse(err);
			if (!stop.signal.aborted) stop.abort(err);
			throw err;
		})
	);
	const results = await Promise.allSettled(lanes);
	if (o.signal.aborted) throw o.signal.reason;
	const failed = results.find((r) => r.status === 'rejected');
	if (failed) throw stop.signal.reason ?? (failed as PromiseRejectedResult).reason;
}

/** Where a lane asks for its next piece: where the last one's redirects ended, or (null) the Hub's resolve address. */
type Lane = { url: string | null; buffers?: [Buffer, Buffer] };

/** Writes `length` bytes of `buffer` at `position` (a write may take fewer bytes at a time). */
async function writeAll(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
	for (let done = 0; done < length; ) {
		const { bytesWritten } = await file.write(buffer, done, length - done, position + done);
		if (bytesWritten <= 0) throw new Error('the disk took no bytes');
		done += bytesWritten;
	}
}

/** One part to its end: tries again from where it got to, with back-off; a try that made progress is not counted. */
async function fetchPart(state: Ranged, file: FileHandle, lane: Lane, part: ByteRange, signal: AbortSignal, onRanges: () => void): Promise<void> {
	const { o } = state;
	const cursor = { at: part[0] };
	for (let attempt = 1; ; attempt++) {
		const before = cursor.at;
		const direct = lane.url !== null;
		const release = await o.slots.acquire(signal);
		try {
			await fetchOnce(state, file, lane, [cursor.at, part[1]], cursor, signal, onRanges);
			return;
		} catch (err) {
			lane.url = null; // a signed CDN address may have expired: go through the Hub again
			const failure = err instanceof NoRangesError && !signal.aborted ? err : classify(err, signal);
			if (direct && failure instanceof RefusedError && !signal.aborted) {
				attempt--; // refused at the CDN's address the Hub gave earlier: ask the Hub at once
				release();
				continue;
			}
			if (signal.aborted || failure instanceof PermanentError || failure instanceof NoRangesError) throw failure;
			const message = failure instanceof Error ? failure.message : String(failure);
			if (cursor.at > before) attempt = 1;
			else if (attempt >= o.maxTries) throw new TransientError(`${message} (gave up after ${o.maxTries} tries)`);
			o.onRetry?.(attempt, message);
			release();
			await sleep(o.backoffMs(attempt), signal);
		} finally {
			release();
		}
	}
}

/** One request for `[from, to)`; `cursor.at` follows what reached the file. */
async function fetchOnce(state: Ranged, file: FileHandle, lane: Lane, [from, to]: ByteRange, cursor: { at: number }, signal: AbortSignal, onRanges: () => void): Promise<void> {
	const { o } = state;
	const stall = new AbortController();
	const requestSignal = AbortSignal.any([signal, stall.signal]);
	let response: http.IncomingMessage;
	try {
		const opened = await openHubStreamAt(lane.url ?? o.url, {
			signal: requestSignal,
			timeoutMs: Math.max(o.stallMs, 10_000),
			headers: { range: `bytes=${from}-${to - 1}` }
		});
		response = opened.response;
		lane.url = opened.url;
	} catch (err) {
		throw classify(err, signal);
	}
	if (response.statusCode === 200) {
		response.destroy();
		throw new NoRangesError();
	}
	const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
	if (response.statusCode !== 206 || !range || Number(range[1]) !== from || Number(range[2]) !== to - 1) {
		response.destroy();
		throw new TransientError(`the Hub answered a different range (${response.statusCode} ${response.headers['content-range'] ?? ''})`);
	}
	if (range[3] !== '*' && Number(range[3]) !== o.size) {
		response.destroy();
		throw new PermanentError(`the Hub announced ${range[3]} bytes for a file of ${o.size}`);
	}
	onRanges();
	let received = from;
	let lastByteAt = Date.now();
	const watchdog = setInterval(() => {
		if (Date.now() - lastByteAt > o.stallMs) stall.abort(new TransientError(`no data for ${o.stallMs / 1000} s`));
	}, Math.min(1000, o.stallMs / 2));
	// Received bytes are copied into the lane's two buffers, so the socket's chunks die young (cheap
	// to collect) and each write is one buffer: one is written while the other fills. One write in
	// flight; a failed write (ENOSPC) is kept and thrown by the next flush.
	const buffers = (lane.buffers ??= [Buffer.allocUnsafeSlow(WRITE_BATCH), Buffer.allocUnsafeSlow(WRITE_BATCH)]);
	let fill = 0;
	let used = 0;
	let bufferStart = from;
	let pending: Promise<void> = Promise.resolve();
	let writeError: unknown = null;
	let lastFlush = Date.now();
	const flush = async () => {
		lastFlush = Date.now();
		await pending;
		if (writeError) throw writeError;
		if (used === 0) return;
		const buffer = buffers[fill];
		const start = bufferStart;
		const end = start + used;
		fill ^= 1;
		used = 0;
		bufferStart = end;
		pending = state.write(() => writeAll(file, buffer, end - start, start)).then(
			() => {
				cursor.at = end;
				state.written(start, end);
			},
			(err) => void (writeError = err)
		);
	};
	try {
		requestSignal.addEventListener('abort', () => response.destroy(requestSignal.reason), { once: true });
		for await (const data of response) {
			lastByteAt = Date.now();
			const chunk = data as Buffer;
			if (received + chunk.length > to) {
				response.destroy();
				throw new PermanentError(`the Hub sent more than the ${to - from} bytes asked for`);
			}
			received += chunk.length;
			o.onBytes(chunk.length);
			for (let offset = 0; offset < chunk.length; ) {
				const n = Math.min(chunk.length - offset, WRITE_BATCH - used);
				chunk.copy(buffers[fill], used, offset, offset + n);
				used += n;
				offset += n;
				if (used === WRITE_BATCH) await flush();
			}
			if (lastByteAt - lastFlush >= WRITE_INTERVAL_MS) await flush();
		}
		if (requestSignal.aborted) throw requestSignal.reason;
		await flush();
		await pending;
		if (writeError) throw writeError;
		if (received !== to) throw new TransientError(`part ended at ${received} of ${to} bytes`);
	} catch (err) {
		throw classify(writeError ?? (stall.signal.aborted ? stall.signal.reason : err), signal);
	} finally {
		clearInterval(watchdog);
		await flush().catch(() => {});
		await pending;
		// Bytes counted on arrival that never reached the file are fetched again: uncount them.
		if (received > cursor.at) o.onBytes(cursor.at - received);
	}
}
