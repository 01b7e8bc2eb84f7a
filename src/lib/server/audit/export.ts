import type { Caller } from '../auth/types';
import { csvHeader, csvLine, jsonLine } from './csv';
import type { AuditExportQuery } from './filters';
import { iterateAuditLogs } from './query';
import { toEntry } from './wire';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' };

function fileName(format: 'csv' | 'jsonl', now = new Date()): string {
	const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
	return `audit-logs-${stamp}.${format}`;
}

/**
 * The export as a streamed download. Pull-based: the next page is read from the database only when
 * the client has taken the previous one, so memory stays constant whatever the size.
 */
export function exportAuditLogs(caller: Caller, query: AuditExportQuery): Response {
	const { format, ...filters } = query;
	const pages = iterateAuditLogs(caller, filters);
	const encoder = new TextEncoder();
	let headerSent = format !== 'csv';
	const stream = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (!headerSent) {
				headerSent = true;
				controller.enqueue(encoder.encode(csvHeader()));
				return;
			}
			const next = await pages.next();
			if (next.done) {
				controller.close();
				return;
			}
			const line = format === 'csv' ? csvLine : jsonLine;
			controller.enqueue(encoder.encode(next.value.map((row) => line(toEntry(row))).join('')));
		},
		async cancel() {
			await pages.return(undefined);
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': CONTENT_TYPES[format],
			'content-disposition': `attachment; filename="${fileName(format)}"`,
			'cache-control': 'no-store',
			'x-content-type-options': 'nosniff'
		}
	});
}
