import type { z } from 'zod';
import { PayloadTooLargeError, ValidationError, type ValidationIssue } from './errors';

/** Default limit for JSON bodies on `/api`. `/v1` passes a larger one. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function toIssues(error: z.ZodError): ValidationIssue[] {
	return error.issues.map((issue) => ({
		path: issue.path.map(String).join('.'),
		message: issue.message
	}));
}

/** Validates a value with a schema; failure is a 400 with the issues, never a thrown ZodError. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.infer<S> {
	const result = schema.safeParse(value);
	if (!result.success) {
		const issues = toIssues(result.error);
		const first = issues[0];
		const where = first?.path ? `${first.path}: ` : '';
		throw new ValidationError(`Invalid ${what}: ${where}${first?.message ?? 'bad value'}`, issues);
	}
	return result.data;
}

/** Reads at most `limit` bytes of a body, refusing more with 413 (a lying Content-Length too). */
export async function readBodyText(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<string> {
	if (!request.body) return '';
	const reader = request.body.getReader();
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > limit) {
		await discard(reader);
		throw new PayloadTooLargeError(limit);
	}
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await discard(reader);
			throw new PayloadTooLargeError(limit);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads and drops the rest of a refused body. Cancelling instead would destroy the socket under the
 * client, which then sees a connection reset rather than the 413. The server's own body limit
 * (adapter-node's BODY_SIZE_LIMIT) bounds how much is read here.
 */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
	try {
		for (;;) if ((await reader.read()).done) return;
	} catch {
		// the body ended badly or went over the server's limit: nothing left to drain
	}
}

/** Parses a JSON body and validates it: malformed → 400, oversized → 413, invalid → 400 with issues. */
export async function readJson<S extends z.ZodType>(
	request: Request,
	schema: S,
	limit = DEFAULT_BODY_LIMIT
): Promise<z.infer<S>> {
	const text = await readBodyText(request, limit);
	let value: unknown;
	try {
		value = text === '' ? undefined : JSON.parse(text);
	} catch {
		throw new ValidationError('Request body is not valid JSON');
	}
	if (value === undefined) throw new ValidationError('Request body is required');
	return validate(schema, value, 'request body');
}

/** Validates the query string against a schema of string fields. */
export function readQuery<S extends z.ZodType>(url: URL, schema: S): z.infer<S> {
	const params: Record<string, string> = {};
	for (const [key, value] of url.searchParams) if (key !== 'token') params[key] = value;
	return validate(schema, params, 'query');
}
