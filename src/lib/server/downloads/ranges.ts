/**
 * Which byte ranges of a `.partial` file are written, kept in a sidecar next to it
 * (`<file>.partial.ranges.json`), replaced atomically (write, then rename) and only ever listing bytes
 * whose write has completed, so after a crash or a kill a resume fetches exactly the ranges missing.
 * Without a sidecar the partial file's length is the written prefix (a single-connection transfer).
 */
import fsp from 'node:fs/promises';
import { z } from 'zod';

/** `[start, end)`, end exclusive. */
export type ByteRange = [number, number];

const Sidecar = z.object({
	size: z.number().int().nonnegative(),
	done: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).max(100_000)
});

export const sidecarPathOf = (partialPath: string) => `${partialPath}.ranges.json`;

/** The written ranges a sidecar records for a file of `size` bytes; null when there is no usable sidecar. */
export async function readSidecar(partialPath: string, size: number): Promise<ByteRange[] | null> {
	let text: string;
	try {
		text = await fsp.readFile(sidecarPathOf(partialPath), 'utf8');
	} catch {
		return null;
	}
	try {
		const parsed = Sidecar.parse(JSON.parse(text));
		if (parsed.size !== size) return [];
		let done: ByteRange[] = [];
		for (const [start, end] of parsed.done) if (start < end && end <= size) done = addRange(done, [start, end]);
		return done;
	} catch {
		return []; // unreadable: nothing counts as written
	}
}

export async function writeSidecar(partialPath: string, size: number, done: ByteRange[]): Promise<void> {
	const file = sidecarPathOf(partialPath);
	await fsp.writeFile(`${file}.tmp`, JSON.stringify({ size, done }));
	await fsp.rename(`${file}.tmp`, file);
}

export async function removeSidecar(partialPath: string): Promise<void> {
	await fsp.rm(sidecarPathOf(partialPath), { force: true });
	await fsp.rm(`${sidecarPathOf(partialPath)}.tmp`, { force: true });
}

/** `done` with `range` added: sorted, merged, no overlaps. */
export function addRange(done: ByteRange[], range: ByteRange): ByteRange[] {
	const all = [...done, range].sort((a, b) => a[0] - b[0]);
	const out: ByteRange[] = [];
	for (const [start, end] of all) {
		const last = out[out.length - 1];
		if (last && start <= last[1]) last[1] = Math.max(last[1], end);
		else out.push([start, end]);
	}
	return out;
}

export const doneBytes = (done: ByteRange[]) => done.reduce((n, [s, e]) => n + e - s, 0);

/** Where the written prefix ends (bytes from 0 with no hole). */
export const prefixEnd = (done: ByteRange[]) => (done[0]?.[0] === 0 ? done[0][1] : 0);

/** The ranges of `[0, size)` not in `done`. */
export function missingRanges(done: ByteRange[], size: number): ByteRange[] {
	const out: ByteRange[] = [];
	let at = 0;
	for (const [start, end] of done) {
		if (start > at) out.push([at, Math.min(start, size)]);
		at = Math.max(at, end);
	}
	if (at < size) out.push([at, size]);
	return out;
}

/**
 * Cuts the missing ranges into pieces of about `missing / (connections × perLane)` bytes, kept within
 * `[minPiece, maxPiece]` (a smaller gap stays one piece), in file order. Lanes take the next piece
 * whenever they finish one, so the written prefix (and the hash following it) keeps up with the
 * download, and a slow connection holds up one piece rather than its share of the file.
 */
export function planParts(missing: ByteRange[], connections: number, minPiece: number, maxPiece = Infinity, perLane = 4): ByteRange[] {
	const total = doneBytes(missing);
	const target = Math.min(maxPiece, Math.max(minPiece, Math.ceil(total / Math.max(1, connections * perLane))));
	const parts: ByteRange[] = [];
	for (const [start, end] of missing) {
		const pieces = Math.max(1, Math.round((end - start) / target));
		const step = Math.ceil((end - start) / pieces);
		for (let at = start; at < end; at += step) parts.push([at, Math.min(end, at + step)]);
	}
	return parts;
}
