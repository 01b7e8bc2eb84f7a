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
import { PrefixHasher } from './prefix-hash';
import { LaneRamp } from './ramp';
import { addRange, missingRanges, planParts, prefixEnd, readSidecar, removeSidecar, writeSidecar, type ByteRange } from './ranges';
import { NoRangesError, fetchPart, type Lane, type RangedOptions } from './part-fetch';
import { PermanentError, partialSize } from './transfer';

export { NoRangesError, type RangedOptions };

/** No piece is smaller than this (a file under two pieces goes on one connection). */
export const MIN_PART_BYTES = 8 * 1024 * 1024;
/** Nor larger than this (a retry re-asks at most this much; the hash never lags far behind). */
const MAX_PART_BYTES = 64 * 1024 * 1024;
const SAVE_INTERVAL_MS = 500;

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

	/** `bytes`, still in memory, reached the file at `[start, end)`. */
	written(start: number, end: number, bytes: Buffer): void {
		this.done = addRange(this.done, [start, end]);
		this.hasher.wrote(start, bytes);
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
 * Up to `connections` lanes take parts from one queue, as many at a time as the ramp (`ramp.ts`)
 * lets in. The first lane's first answer shows whether the server serves ranges before the others
 * connect. The first final failure stops every lane. Once the ramp finds one connection enough, the
 * lane left asks for the rest as few requests as it can (adjacent parts joined): one long response
 * moves more per request than pieces of it.
 */
async function runLanes(state: Ranged, file: FileHandle, parts: ByteRange[]): Promise<void> {
	if (parts.length === 0) return;
	const { o } = state;
	const stop = new AbortController();
	const signal = AbortSignal.any([o.signal, stop.signal]);
	const queue = [...parts];
	const ramp = new LaneRamp(Math.min(o.connections, parts.length));
	signal.addEventListener('abort', () => ramp.close(), { once: true });
	let confirm!: () => void;
	let refuse!: (err: unknown) => void;
	const confirmed = new Promise<void>((ok, no) => ((confirm = ok), (refuse = no)));
	confirmed.catch(() => {});
	const lane = async (index: number) => {
		if (index > 0) await confirmed;
		const at: Lane = { url: null, index, ramp };
		while (!signal.aborted && (await ramp.admit(index))) {
			if (ramp.single) joinAdjacent(queue);
			const part = queue.shift();
			if (!part) return ramp.close(); // nothing left for a lane still waiting to join
			await fetchPart(state, file, at, part, signal, index === 0 ? confirm : () => {});
		}
	};
	const lanes = Array.from({ length: ramp.lanes }, (_, i) =>
		lane(i).catch((err) => {
			refuse(err);
			if (!stop.signal.aborted) stop.abort(err);
			throw err;
		})
	);
	const results = await Promise.allSettled(lanes);
	ramp.close();
	if (o.signal.aborted) throw o.signal.reason;
	const failed = results.find((r) => r.status === 'rejected');
	if (failed) throw stop.signal.reason ?? (failed as PromiseRejectedResult).reason;
}

/** Joins the queue's adjacent parts, in place. */
function joinAdjacent(queue: ByteRange[]): void {
	for (let i = queue.length - 1; i > 0; i--) {
		if (queue[i - 1][1] === queue[i][0]) queue.splice(i - 1, 2, [queue[i - 1][0], queue[i][1]]);
	}
}
