/**
 * Splits Markdown into top-level blocks that render independently, so a streamed answer re-renders
 * only its last block on each new token (finished blocks keep their HTML and their DOM), and no single
 * render works on more than a bounded piece of hostile text (thousands of `[` or `<` in a row make
 * Markdown parsers slow: their cost grows faster than the length).
 */

/** Longest piece of one paragraph handed to the parser at once. Fenced code is kept whole (not parsed inline). */
export const MAX_BLOCK = 2000;

export type Block = {
	/** The Markdown source of this block. */
	source: string;
	/** `inline`: a piece of a paragraph too long to parse at once, rendered as inline text. */
	kind: 'block' | 'inline' | 'code';
	/** `inline` pieces of one paragraph share a group, so they are joined into one `<p>`. */
	group: number;
};

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const MATH_FENCE = /^ {0,3}\$\$/;
/** A line that can only start a new block after a blank line (not a list item, not indented). */
const STARTS_BLOCK = /^(?![ \t])(?![-*+] |\d{1,9}[.)] )\S/;

/** Splits at blank lines outside fences and math blocks, where the next line starts a new block. */
function splitBlocks(text: string): { source: string; code: boolean }[] {
	const lines = text.split('\n');
	const out: { source: string; code: boolean }[] = [];
	let current: string[] = [];
	let fence: string | null = null;
	let math = false;
	let code = false;
	const push = () => {
		if (current.some((l) => l.trim())) out.push({ source: current.join('\n'), code });
		current = [];
		code = false;
	};
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		if (fence) {
			current.push(line);
			const m = FENCE.exec(line);
			if (m && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1]) {
				fence = null;
				push();
			}
			continue;
		}
		if (math) {
			current.push(line);
			if (line.trimEnd().endsWith('$$')) math = false;
			continue;
		}
		const open = FENCE.exec(line);
		if (open) {
			push();
			fence = open[1];
			code = true;
			current.push(line);
			continue;
		}
		// `$$` alone (or with math after it) opens a display-math block that ends at a line ending in `$$`.
		const opensMath = MATH_FENCE.test(line) && !line.trim().slice(2).includes('$$');
		if (current.length === 0 && !line.trim()) continue;
		const prevBlank = current.length > 0 && current[current.length - 1].trim() === '';
		if (prevBlank && STARTS_BLOCK.test(line)) push();
		current.push(line);
		if (opensMath) math = true;
	}
	push();
	return out;
}

/** Cuts a long paragraph into pieces of at most MAX_BLOCK characters, at a space when there is one near. */
function cutParagraph(source: string): string[] {
	const pieces: string[] = [];
	let rest = source;
	while (rest.length > MAX_BLOCK) {
		let at = rest.lastIndexOf(' ', MAX_BLOCK);
		if (at < MAX_BLOCK / 2) at = MAX_BLOCK;
		pieces.push(rest.slice(0, at));
		rest = rest.slice(at);
	}
	if (rest) pieces.push(rest);
	return pieces;
}

const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Lines of an oversized block in chunks of about MAX_BLOCK characters, each cut before a line that
 * starts at the margin (a list item, a quote line, a table row), so nesting inside an item stays
 * together. A table's header and delimiter row are repeated at the top of every chunk.
 */
function cutLines(lines: string[]): string[][] {
	const header = lines.length > 2 && lines[0].includes('|') && TABLE_DELIMITER.test(lines[1]) ? lines.slice(0, 2) : [];
	const body = lines.slice(header.length);
	const chunks: string[][] = [];
	let chunk: string[] = [];
	let size = 0;
	for (const line of body) {
		if (size + line.length > MAX_BLOCK && chunk.length > 0) {
			let cut = chunk.length;
			while (cut > 1 && /^\s/.test(chunk[cut - 1] ?? '')) cut--;
			// Cut before the last line at the margin; with none (one long indented run), cut here.
			if (cut <= 1) cut = chunk.length;
			else cut--;
			chunks.push([...header, ...chunk.slice(0, cut)]);
			chunk = chunk.slice(cut);
			size = chunk.reduce((n, l) => n + l.length + 1, 0);
		}
		chunk.push(line);
		size += line.length + 1;
	}
	if (chunk.length) chunks.push([...header, ...chunk]);
	return chunks;
}

/** The blocks of `text`, each small enough to render fast. */
export function toBlocks(text: string): Block[] {
	const blocks: Block[] = [];
	let group = 0;
	for (const { source, code } of splitBlocks(text)) {
		group++;
		if (code || source.length <= MAX_BLOCK) {
			blocks.push({ source, kind: code ? 'code' : 'block', group });
			continue;
		}
		// An oversized block that is not code: cut at lines (see cutLines); a line too long by itself
		// becomes inline pieces of one paragraph. Only text no person writes (kilobytes without a
		// break) is degraded.
		let lines: string[] = [];
		const flush = () => {
			for (const chunk of cutLines(lines)) blocks.push({ source: chunk.join('\n'), kind: 'block', group: ++group });
			lines = [];
		};
		for (const line of source.split('\n')) {
			if (line.length <= MAX_BLOCK) {
				lines.push(line);
				continue;
			}
			flush();
			group++;
			for (const piece of cutParagraph(line)) blocks.push({ source: piece, kind: 'inline', group });
		}
		flush();
	}
	return blocks;
}
