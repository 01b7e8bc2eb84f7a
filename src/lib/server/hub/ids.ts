/**
 * Repo ids, file names and model ids arrive from requests and become file system paths, so they are
 * checked here, before anything touches the disk. Anything that could leave the models dir is refused:
 * `..`, `.` or empty segments, absolute paths, backslashes, NUL and control characters, and `%` (a URL-
 * encoded `..` or `/` that something might decode later).
 */
import path from 'node:path';
import { BadRequestError } from '../http/errors';

// Hub names: letters, digits, `-`, `_`, `.`; they start with a letter or digit.
const NAME_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
// File segments allow a little more (spaces, `+`, brackets occur in real repos) but never a leading dot.
const FILE_SEGMENT = /^[A-Za-z0-9_+()[\]][A-Za-z0-9 ._+()[\]-]{0,199}$/;
const FORBIDDEN = /[\\%\0-\x1f\x7f:*?"<>|]/;

export class InvalidIdError extends BadRequestError {
	constructor(what: string, value: string, why: string) {
		super(`Invalid ${what} ${JSON.stringify(value.slice(0, 200))}: ${why}`, 'invalid_id');
	}
}

function check(value: unknown, what: string): string {
	if (typeof value !== 'string' || value.length === 0) throw new InvalidIdError(what, String(value ?? ''), 'empty');
	if (value.length > 512) throw new InvalidIdError(what, value, 'too long');
	if (FORBIDDEN.test(value)) throw new InvalidIdError(what, value, 'contains a forbidden character');
	if (value.startsWith('/')) throw new InvalidIdError(what, value, 'absolute paths are not allowed');
	return value;
}

function checkSegments(value: string, what: string, pattern: RegExp): string[] {
	const segments = value.split('/');
	for (const segment of segments) {
		if (segment === '') throw new InvalidIdError(what, value, 'empty path segment');
		if (segment === '.' || segment === '..' || segment.includes('..')) {
			throw new InvalidIdError(what, value, 'relative path segments are not allowed');
		}
		if (!pattern.test(segment) || segment.endsWith('.') || segment.endsWith(' ')) {
			throw new InvalidIdError(what, value, `segment ${JSON.stringify(segment)} is not a valid name`);
		}
	}
	return segments;
}

/** `owner/repo` as on the Hub. */
export function parseRepoId(value: unknown): string {
	const text = check(value, 'repo id');
	const segments = checkSegments(text, 'repo id', NAME_SEGMENT);
	if (segments.length !== 2) throw new InvalidIdError('repo id', text, 'expected owner/repo');
	return text;
}

/** A file inside a repo, possibly in a sub-folder (`Q4_K_M/model-00001-of-00002.gguf`). */
export function parseFileName(value: unknown, { gguf = true } = {}): string {
	const text = check(value, 'file name');
	checkSegments(text, 'file name', FILE_SEGMENT);
	if (gguf && !/\.gguf$/i.test(text)) throw new InvalidIdError('file name', text, 'expected a .gguf file');
	return text;
}

export type ModelId = { id: string; repo: string; file: string };

/** `<owner>/<repo>/<file>.gguf`. */
export function parseModelId(value: unknown): ModelId {
	const text = check(value, 'model id');
	const segments = checkSegments(text, 'model id', FILE_SEGMENT);
	if (segments.length < 3) throw new InvalidIdError('model id', text, 'expected owner/repo/file.gguf');
	const repo = parseRepoId(segments.slice(0, 2).join('/'));
	const file = parseFileName(segments.slice(2).join('/'));
	return { id: text, repo, file };
}

/** The absolute path of a relative id under `root`; refuses (again) anything that would escape it. */
export function pathInside(root: string, relative: string): string {
	const base = path.resolve(root);
	const full = path.resolve(base, relative);
	if (!full.startsWith(base + path.sep)) throw new InvalidIdError('path', relative, 'outside the models dir');
	return full;
}
