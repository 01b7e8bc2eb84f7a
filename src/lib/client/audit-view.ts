import type { AuditLogEntry } from '$lib/types/audit';

/** The audit page's filters as typed in the form (times in the browser's local time). */
export type AuditFilterForm = {
	model: string;
	/** A remote backend's name, `local`, or empty for any. */
	backend: string;
	status: '' | AuditLogEntry['status'];
	user: string;
	start: string;
	end: string;
};

export const emptyFilters = (): AuditFilterForm => ({ model: '', backend: '', status: '', user: '', start: '', end: '' });

const toIso = (local: string) => (local ? new Date(local).toISOString() : '');

/** The API's query parameters for the filters (empty ones left out). */
export function filterParams(f: AuditFilterForm): URLSearchParams {
	const params = new URLSearchParams();
	const entries: [string, string][] = [
		['model', f.model.trim()],
		['backend', f.backend.trim()],
		['status', f.status],
		['user', f.user.trim()],
		['start_time', toIso(f.start)],
		['end_time', toIso(f.end)]
	];
	for (const [key, value] of entries) if (value) params.set(key, value);
	return params;
}

/** Whether a row that arrives live belongs in the filtered table. */
export function matchesFilters(row: AuditLogEntry, f: AuditFilterForm): boolean {
	if (f.model.trim() && row.model !== f.model.trim()) return false;
	const backend = f.backend.trim();
	if (backend && (backend === 'local' ? row.backend !== null : row.backend !== backend)) return false;
	if (f.status && row.status !== f.status) return false;
	const user = f.user.trim().toLowerCase();
	if (user && row.user_id !== f.user.trim() && row.user_email?.toLowerCase() !== user) return false;
	const time = Date.parse(row.timestamp);
	if (f.start && time < Date.parse(toIso(f.start))) return false;
	if (f.end && time > Date.parse(toIso(f.end))) return false;
	return true;
}

/** Newest first by (timestamp, id), like the API. */
function newer(a: AuditLogEntry, b: AuditLogEntry): boolean {
	return a.timestamp === b.timestamp ? a.id > b.id : a.timestamp > b.timestamp;
}

/** Inserts rows not yet present, keeping the list newest first. Returns how many were added. */
export function mergeRows(list: AuditLogEntry[], rows: AuditLogEntry[], known: Set<number>): number {
	let added = 0;
	for (const row of rows) {
		if (known.has(row.id)) continue;
		known.add(row.id);
		let i = 0;
		while (i < list.length && newer(list[i], row)) i++;
		list.splice(i, 0, row);
		added++;
	}
	return added;
}
