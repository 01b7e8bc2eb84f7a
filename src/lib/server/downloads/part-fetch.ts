/**
 * One part of a ranged transfer (`parallel.ts`) on one connection: asked for with `Range`, checked
 * against what was asked, copied into the lane's two buffers and written at its offset one write at a
 * time, with a stall watchdog. A part that fails is tried again from where it got to, with back-off.
 */
import type { FileHandle } from 'node:fs/promises';
import type http from 'node:http';
import { openHubStreamAt } from '../hub/stream';
import type { ConnectionSlots } from './connections';
import type { LaneRamp } from './ramp';
import type { ByteRange } from './ranges';
import { PermanentError, RefusedError, TransientError, classify, sleep, type TransferOptions } from './transfer';

/**
 * Bytes per write: a page short of 1 MiB, so writes do not stay on 1 MiB boundaries. A 1 MiB write at a
 * 1 MiB-aligned offset lets the kernel put it in one 1 MiB page-cache folio, and on a VM that hands free
 * memory back to its host those are the pages it must fault in again: 0.95–1.07 s of system time per
 * 512 MiB written that way after a pause, 0.13–0.16 s for the same bytes in writes off those boundaries.
 */
const WRITE_BATCH = 1024 * 1024 - 4096;
const WRITE_INTERVAL_MS = 500;

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

/** What a part writes through: the transfer's options, its one-at-a-time writes and its record of written ranges. */
export type PartSink = {
	readonly o: RangedOptions;
	write(run: () => Promise<void>): Promise<void>;
	written(start: number, end: number, bytes: Buffer): void;
};

/** Where a lane asks for its next piece: where the last one's redirects ended, or (null) the Hub's resolve address. */
export type Lane = { url: string | null; index: number; ramp: LaneRamp; buffers?: [Buffer, Buffer] };

/** Writes `length` bytes of `buffer` at `position` (a write may take fewer bytes at a time). */
async function writeAll(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
	for (let done = 0; done < length; ) {
		const { bytesWritten } = await file.write(buffer, done, length - done, position + done);
		if (bytesWritten <= 0) throw new Error('the disk took no bytes');
		done += bytesWritten;
	}
}

/** One part to its end: tries again from where it got to, with back-off; a try that made progress is not counted. */
export async function fetchPart(state: PartSink, file: FileHandle, lane: Lane, part: ByteRange, signal: AbortSignal, onRanges: () => void): Promise<void> {
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
async function fetchOnce(state: PartSink, file: FileHandle, lane: Lane, [from, to]: ByteRange, cursor: { at: number }, signal: AbortSignal, onRanges: () => void): Promise<void> {
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
				state.written(start, end, buffer.subarray(0, end - start));
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
			if (received === from) lane.ramp.started(lane.index);
			received += chunk.length;
			lane.ramp.count(chunk.length);
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
