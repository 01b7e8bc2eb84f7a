import type { AuditLogEntry } from '$lib/types/audit';

/** The export's CSV columns: SPEC's, in its order, then the remote backend that served the request (empty for the local pool). */
export const CSV_COLUMNS = [
	'timestamp',
	'request_id',
	'user_email',
	'model',
	'endpoint',
	'status',
	'duration_ms',
	'ttft_ms',
	'prompt_tokens',
	'completion_tokens',
	'total_tokens',
	'error_type',
	'error_message',
	'backend'
] as const satisfies readonly (keyof AuditLogEntry)[];

/** Characters that make a spreadsheet read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Characters that end a cell in some spreadsheet's CSV import: the comma, `;` (the list separator in
 * locales with a decimal comma) and tab. A field holding one is quoted, so that `x;=1+1` stays one
 * cell instead of becoming `x` and a formula `=1+1`.
 */
const NEEDS_QUOTES = /[",;\t\r\n]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a separator, quote, CR or LF, quotes doubled. Text
 * that a spreadsheet would run as a formula gets a leading `'` so opening an export is always safe.
 */
export function csvField(value: string | number | null | undefined): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number') return String(value);
	const text = FORMULA_START.test(value) ? `'${value}` : value;
	return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
	return CSV_COLUMNS.join(',') + '\r\n';
}

export function csvLine(entry: AuditLogEntry): string {
	return CSV_COLUMNS.map((c) => csvField(entry[c])).join(',') + '\r\n';
}

export function jsonLine(entry: AuditLogEntry): string {
	return JSON.stringify(entry) + '\n';
}
