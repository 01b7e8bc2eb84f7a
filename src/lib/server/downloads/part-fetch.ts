/**
 * One part of a ranged transfer (`parallel.ts`) on one connection: asked for with `Range`, checked
 * against what was asked, copied into the lane's two buffers (`lane-writer.ts`) and written at its
 * offset one write at a time, with a stall watchdog. A part that fails is tried again from where it got to, with back-off.
 */
import type { FileHandle } from 'node:fs/promises';
import type http from 'node:http';
import { PlainGetUnsupported, plainGet, type BodyTarget, type PlainResponse } from '../hub/plain-get';
import { openHubStreamAt, type StreamOptions } from '../hub/stream';
import { LaneWriter } from './lane-writer';
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
/** Socket reads over plain HTTP land here, one buffer per lane for all its requests. */
const READ_BUFFER = 256 * 1024;

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
export type Lane = {
	url: string | null;
	index: number;
	ramp: LaneRamp;
	buffers?: [Buffer, Buffer];
	readBuffer?: Buffer;
	/** False once an answer could not be read over plain HTTP: the lane asks through Node's client from then on. */
	plain?: boolean;
};

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

/** A part's answer, read over plain HTTP (`plain-get.ts`) or through Node's HTTP client. */
type PartAnswer = Pick<PlainResponse, 'status' | 'url' | 'pipe' | 'destroy'> & { header(name: string): string };

/** A stream's body into a target, waiting whenever it is full. */
async function pipeStream(response: http.IncomingMessage, target: BodyTarget): Promise<void> {
	for await (const data of response) {
		const chunk = data as Buffer;
		for (let taken = target.take(chunk); taken < chunk.length; taken += target.take(chunk.subarray(taken))) await target.ready();
	}
}

/** Asks for a range where the lane left off: over plain HTTP while the address allows, else through Node's client. */
async function openPart(lane: Lane, url: string, options: StreamOptions): Promise<PartAnswer> {
	if (lane.plain !== false && url.startsWith('http:')) {
		try {
			const res = await plainGet(url, { ...options, readBuffer: (lane.readBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER)) });
			return { ...res, header: (name) => res.headers[name] ?? '' };
		} catch (err) {
			if (!(err instanceof PlainGetUnsupported)) throw err;
			lane.plain = false;
			url = err.url;
		}
	}
	const { response, url: at } = await openHubStreamAt(url, options);
	return {
		status: response.statusCode ?? 0,
		url: at,
		header: (name) => String(response.headers[name] ?? ''),
		pipe: (target) => pipeStream(response, target),
		destroy: (reason) => response.destroy(reason as Error)
	};
}

/** The answer is the range asked for, of a file of the expected size; else it is dropped with the reason. */
function checkRange(res: PartAnswer, [from, to]: ByteRange, size: number): void {
	const fail = (err: Error) => {
		res.destroy();
		throw err;
	};
	if (res.status === 200) fail(new NoRangesError());
	const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.header('content-range'));
	if (res.status !== 206 || !range || Number(range[1]) !== from || Number(range[2]) !== to - 1) {
		fail(new TransientError(`the Hub answered a different range (${res.status} ${res.header('content-range')})`));
	}
	if (range![3] !== '*' && Number(range![3]) !== size) fail(new PermanentError(`the Hub announced ${range![3]} bytes for a file of ${size}`));
}

/** One request for `[from, to)`; `cursor.at` follows what reached the file. */
async function fetchOnce(state: PartSink, file: FileHandle, lane: Lane, [from, to]: ByteRange, cursor: { at: number }, signal: AbortSignal, onRanges: () => void): Promise<void> {
	const { o } = state;
	const stall = new AbortController();
	const requestSignal = AbortSignal.any([signal, stall.signal]);
	let res: PartAnswer;
	try {
		res = await openPart(lane, lane.url ?? o.url, {
			signal: requestSignal,
			timeoutMs: Math.max(o.stallMs, 10_000),
			headers: { range: `bytes=${from}-${to - 1}` }
		});
		lane.url = res.url;
	} catch (err) {
		throw classify(err, signal);
	}
	checkRange(res, [from, to], o.size);
	onRanges();
	let received = from;
	let lastByteAt = Date.now();
	const watchdog = setInterval(() => {
		if (Date.now() - lastByteAt > o.stallMs) stall.abort(new TransientError(`no data for ${o.stallMs / 1000} s`));
	}, Math.min(1000, o.stallMs / 2));
	const buffers = (lane.buffers ??= [Buffer.allocUnsafeSlow(WRITE_BATCH), Buffer.allocUnsafeSlow(WRITE_BATCH)]);
	const writer = new LaneWriter(buffers, from, (buffer, start, end) =>
		state.write(() => writeAll(file, buffer, end - start, start)).then(() => {
			cursor.at = end;
			state.written(start, end, buffer.subarray(0, end - start));
		})
	);
	const target: BodyTarget = {
		take(chunk) {
			lastByteAt = Date.now();
			if (received + chunk.length > to) throw new PermanentError(`the Hub sent more than the ${to - from} bytes asked for`);
			if (received === from) lane.ramp.started(lane.index);
			const taken = writer.take(chunk);
			received += taken;
			lane.ramp.count(taken);
			o.onBytes(taken);
			return taken;
		},
		ready: () => writer.ready()
	};
	try {
		requestSignal.addEventListener('abort', () => res.destroy(requestSignal.reason), { once: true });
		await res.pipe(target);
		if (requestSignal.aborted) throw requestSignal.reason;
		await writer.finish();
		if (received !== to) throw new TransientError(`part ended at ${received} of ${to} bytes`);
	} catch (err) {
		res.destroy();
		throw classify(writer.error ?? (stall.signal.aborted ? stall.signal.reason : err), signal);
	} finally {
		clearInterval(watchdog);
		await writer.finish().catch(() => {});
		// Bytes counted on arrival that never reached the file are fetched again: uncount them.
		if (received > cursor.at) o.onBytes(cursor.at - received);
	}
}
