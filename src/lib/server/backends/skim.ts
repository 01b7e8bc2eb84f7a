/**
 * Which pieces of a relayed event stream need reading. The relay reads a stream for its first token
 * and its usage; every other piece only has to reach the client. A piece that holds whole events
 * only (it ends where an event ends, and no part of an event is held back from an earlier piece),
 * that comes after the first token and has no `"usage"` other than `null` (OpenAI's chunks carry
 * `"usage":null` when usage was asked for) is forwarded as its bytes came: not decoded, parsed or
 * encoded again. That is most of a stream, one token per piece.
 */
const USAGE = Buffer.from('"usage"');
const NULL = Buffer.from('null');
const LF = 0x0a;
const CR = 0x0d;
const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === LF || b === CR;

/** Whether `piece` has a `"usage"` key with a value other than `null`. */
export function carriesUsage(piece: Buffer): boolean {
	for (let at = piece.indexOf(USAGE); at >= 0; at = piece.indexOf(USAGE, at + USAGE.length)) {
		let i = at + USAGE.length;
		while (i < piece.length && isSpace(piece[i])) i++;
		if (piece[i] !== 0x3a) return true; // not a key after all: read the piece to be sure
		i++;
		while (i < piece.length && isSpace(piece[i])) i++;
		if (piece.compare(NULL, 0, NULL.length, i, i + NULL.length) !== 0) return true;
	}
	return false;
}

/** Whether `piece` ends with the blank line that ends an event (`\n\n`, `\r\r` or `\r\n\r\n`). */
export function endsAnEvent(piece: Uint8Array): boolean {
	const n = piece.length;
	if (n < 2) return false;
	const last = piece[n - 1];
	const before = piece[n - 2];
	if (last === LF) return before === LF || (n >= 4 && before === CR && piece[n - 3] === LF && piece[n - 4] === CR);
	return last === CR && before === CR;
}

export class Skimmer {
	/** No part of an event is held by the reader: the last piece it read ended an event. */
	#atBoundary = true;

	constructor(private readonly needsFirstToken: () => boolean) {}

	/** Whether `piece` can go to the client unread. A piece it answers `false` for must be read. */
	skips(piece: Buffer): boolean {
		if (this.#atBoundary && !this.needsFirstToken() && endsAnEvent(piece) && !carriesUsage(piece)) return true;
		this.#atBoundary = endsAnEvent(piece);
		return false;
	}
}
