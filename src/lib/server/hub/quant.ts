/**
 * What a GGUF file name says about itself: its quantization (`Q4_K_M`, `IQ3_XS`, `F16`…) and whether it
 * is one part of a split set (`…-00001-of-00003.gguf`). Names are all we have before downloading.
 */

/** Known quantizations from the fewest bits per weight to the most; the order drives `recommended`. */
export const QUANT_ORDER = [
	'IQ1_S', 'IQ1_M', 'TQ1_0', 'TQ2_0', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ2_M', 'Q2_K_S', 'Q2_K', 'Q2_K_L',
	'IQ3_XXS', 'IQ3_XS', 'Q3_K_S', 'IQ3_S', 'IQ3_M', 'Q3_K_M', 'Q3_K_L', 'Q3_K_XL', 'IQ4_XS', 'IQ4_NL',
	'Q4_0', 'Q4_1', 'Q4_K_S', 'Q4_K_M', 'Q4_K_L', 'Q4_K_XL', 'Q5_0', 'Q5_1', 'Q5_K_S', 'Q5_K_M', 'Q5_K_L',
	'Q5_K_XL', 'Q6_K', 'Q6_K_L', 'Q6_K_XL', 'Q8_0', 'Q8_K_XL', 'F16', 'BF16', 'F32'
] as const;

const ALIASES: Record<string, string> = { FP16: 'F16', FP32: 'F32', FLOAT16: 'F16', FLOAT32: 'F32' };

// A quant token sits between separators: `model-Q4_K_M.gguf`, `model.IQ4_XS.gguf`, `Q8_0/model.gguf`.
const QUANT_RE = /(?:^|[-_.\/])(I?Q\d(?:_[A-Z0-9]+)*|TQ\d_\d|BF16|FP?16|FP?32|FLOAT16|FLOAT32)(?=$|[-_.\/])/gi;
const SPLIT_RE = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

export function isGgufName(name: string): boolean {
	return /\.gguf$/i.test(name);
}

/** The quantization named in a file name, upper-cased (`Q4_K_M`), or null when none is recognisable. */
export function parseQuantization(name: string): string | null {
	const base = name.replace(SPLIT_RE, '$1').replace(/\.gguf$/i, '');
	let found: string | null = null;
	// The last token wins: `Llama-3-8B-Instruct-Q4_K_M` (the `8B` is not a quant anyway).
	for (const match of base.matchAll(QUANT_RE)) found = match[1].toUpperCase();
	if (!found) return null;
	return ALIASES[found] ?? found;
}

/** Rank in `QUANT_ORDER` (higher = more bits), or -1 when unknown. */
export function quantRank(quant: string | null): number {
	return quant ? (QUANT_ORDER as readonly string[]).indexOf(quant) : -1;
}

export type SplitInfo = { prefix: string; index: number; count: number };

/** `model-00002-of-00003.gguf` → `{prefix: 'model', index: 2, count: 3}`; null for a single file. */
export function parseSplit(name: string): SplitInfo | null {
	const match = SPLIT_RE.exec(name);
	if (!match) return null;
	const index = Number(match[2]);
	const count = Number(match[3]);
	if (index < 1 || count < 1 || index > count) return null;
	return { prefix: match[1], index, count };
}

/** The name of part `index` of the split set that `first` starts. */
export function splitPartName(first: string, index: number, count: number): string {
	const split = parseSplit(first);
	if (!split) throw new Error(`${first} is not a split GGUF name`);
	const pad = (n: number) => String(n).padStart(5, '0');
	return `${split.prefix}-${pad(index)}-of-${pad(count)}.gguf`;
}

export type { FileEntry } from '$lib/types/models';
import type { FileEntry } from '$lib/types/models';
export type GgufGroup = {
	/** The model's file: the only file, or the first part of a split set. */
	file: string;
	size_bytes: number;
	quantization: string | null;
	/** Every file of the model, first part first (one entry for a single file). */
	parts: FileEntry[];
	/** True when a split set has every one of its parts. */
	complete: boolean;
};

/** Groups `.gguf` files into models: single files as they are, split sets as one model named by part 1. */
export function groupGgufFiles(entries: FileEntry[]): GgufGroup[] {
	const groups = new Map<string, GgufGroup>();
	const splits = new Map<string, { count: number; parts: Map<number, FileEntry> }>();
	for (const entry of entries) {
		if (!isGgufName(entry.file)) continue;
		const split = parseSplit(entry.file);
		if (!split) {
			groups.set(entry.file, group(entry.file, [entry], true));
			continue;
		}
		const key = `${split.prefix}\0${split.count}`;
		const set = splits.get(key) ?? { count: split.count, parts: new Map() };
		set.parts.set(split.index, entry);
		splits.set(key, set);
	}
	for (const [key, set] of splits) {
		const prefix = key.split('\0')[0];
		const first = `${prefix}-00001-of-${String(set.count).padStart(5, '0')}.gguf`;
		const parts = [...set.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
		const complete = set.parts.size === set.count && set.parts.has(1);
		groups.set(first, group(first, parts, complete));
	}
	return [...groups.values()].sort((a, b) => a.file.localeCompare(b.file));
}

function group(file: string, parts: FileEntry[], complete: boolean): GgufGroup {
	return {
		file,
		size_bytes: parts.reduce((sum, p) => sum + p.size_bytes, 0),
		quantization: parseQuantization(file),
		parts,
		complete
	};
}

/** Projector files of multimodal repos are GGUF too, but not models one would pick to chat with. */
export function isProjector(file: string): boolean {
	return /(^|\/)mmproj/i.test(file);
}

const MAX_RECOMMENDED = quantRank('Q6_K');

/**
 * The file the app picks when none is named: the largest quantization up to Q6_K that fits in
 * `limitBytes`, else the smallest file.
 */
export function recommendFile<T extends { file: string; size_bytes: number; quantization: string | null }>(
	files: T[],
	limitBytes: number
): T | null {
	const candidates = files.filter((f) => !isProjector(f.file));
	if (candidates.length === 0) return null;
	const fitting = candidates.filter((f) => {
		const rank = quantRank(f.quantization);
		return rank >= 0 && rank <= MAX_RECOMMENDED && f.size_bytes <= limitBytes;
	});
	const best = (a: T, b: T) =>
		quantRank(b.quantization) - quantRank(a.quantization) || b.size_bytes - a.size_bytes;
	if (fitting.length > 0) return fitting.sort(best)[0];
	return [...candidates].sort((a, b) => a.size_bytes - b.size_bytes)[0];
}
