/**
 * Everything the Hub answers is untrusted: file names become paths on disk, sizes become byte counts
 * the download manager relies on, counts and tags are shown in the UI. These checks apply the same
 * name rules as for request ids (`ids.ts`); a value that fails them is dropped, never passed on.
 */
import { parseFileName, parseRepoId } from './ids';
import type { FileEntry } from './quant';

/** A non-negative integer count (downloads, likes), or `fallback`. */
export function hubCount(value: unknown, fallback = 0): number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** A file size in bytes (a safe non-negative integer; the free-space check judges the rest), or null. */
export function hubSize(value: unknown): number | null {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** A lower-case SHA-256 hex digest, or null. */
export function hubSha256(value: unknown): string | null {
	return typeof value === 'string' && /^[0-9a-f]{64}$/i.test(value) ? value.toLowerCase() : null;
}

/** A repo id that passes the request-id rules, or null. */
export function hubRepoId(value: unknown): string | null {
	try {
		return parseRepoId(value);
	} catch {
		return null;
	}
}

/** A file path inside a repo that passes the request-id rules (no `..`, no markup, no control characters), or null. */
export function hubFileName(value: unknown): string | null {
	try {
		return parseFileName(value, { gguf: false });
	} catch {
		return null;
	}
}

/** Short printable text (an author, a date), or null. */
export function hubText(value: unknown, max = 200): string | null {
	return typeof value === 'string' && value.length <= max && !/[\0-\x1f\x7f<>]/.test(value) ? value : null;
}

type TreeEntry = { type?: unknown; path?: unknown; size?: unknown; lfs?: { oid?: unknown; size?: unknown } | null };

/**
 * One entry of a repo tree listing as a file, or a reason to drop it. Folders and other entry types
 * give null without a reason.
 */
export function treeFile(raw: unknown): { file: FileEntry } | { rejected: string } | null {
	const entry = (raw ?? {}) as TreeEntry;
	if (typeof entry !== 'object' || entry.type !== 'file') return null;
	const name = hubFileName(entry.path);
	if (!name) return { rejected: `file name ${JSON.stringify(String(entry.path).slice(0, 100))}` };
	const lfs = entry.lfs && typeof entry.lfs === 'object' ? entry.lfs : null;
	const size = hubSize(lfs ? lfs.size : entry.size);
	if (size === null) return { rejected: `size ${JSON.stringify(String(lfs ? lfs.size : entry.size).slice(0, 40))} of ${name}` };
	let sha256: string | null = null;
	if (lfs && lfs.oid !== undefined) {
		sha256 = hubSha256(lfs.oid);
		if (!sha256) return { rejected: `SHA-256 of ${name}` };
	}
	return { file: { file: name, size_bytes: size, sha256 } };
}
