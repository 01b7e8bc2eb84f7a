import { desc } from 'drizzle-orm';
import type { Caller } from '../auth/types';
import { getDb, schema } from '../db';
import type { AuditLogPage } from '$lib/types/audit';
import {
	decodeCursor,
	encodeCursor,
	whereFor,
	type AuditFilters,
	type AuditListQuery,
	type Cursor
} from './filters';
import { toEntry } from './wire';

export type { AuditLogPage };

const t = schema.auditLogs;

/** One page newest first, ordered by (timestamp, id) so the `*_timestamp_idx` indexes serve it. */
export async function selectPage(
	caller: Caller,
	filters: AuditFilters,
	limit: number,
	position: { cursor?: Cursor; offset?: number } = {}
): Promise<schema.AuditLog[]> {
	const where = await whereFor(caller, filters, position.cursor);
	const query = getDb()
		.select()
		.from(t)
		.where(where)
		.orderBy(desc(t.timestamp), desc(t.id))
		.limit(limit);
	return position.offset ? query.offset(position.offset) : query;
}

export async function listAuditLogs(caller: Caller, query: AuditListQuery): Promise<AuditLogPage> {
	const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
	// One extra row tells whether an older page exists.
	const rows = await selectPage(caller, query, query.limit + 1, { cursor, offset: query.offset });
	const more = rows.length > query.limit;
	const items = rows.slice(0, query.limit);
	const last = items.at(-1);
	return {
		items: items.map(toEntry),
		next_cursor: more && last ? encodeCursor(last) : null,
		limit: query.limit
	};
}

/** Every matching row newest first, a page at a time (constant memory for exports). */
export async function* iterateAuditLogs(
	caller: Caller,
	filters: AuditFilters,
	pageSize = 500
): AsyncGenerator<schema.AuditLog[]> {
	let cursor: Cursor | undefined;
	for (;;) {
		const rows = await selectPage(caller, filters, pageSize, { cursor });
		if (rows.length > 0) yield rows;
		if (rows.length < pageSize) return;
		const last = rows[rows.length - 1];
		cursor = { t: last.timestamp.getTime(), id: last.id };
	}
}

/** The last `count` rows a caller may see, oldest first (the socket backlog). */
export async function recentFor(caller: Caller, count = 100): Promise<schema.AuditLog[]> {
	const rows = await selectPage(caller, {}, count);
	return rows.reverse();
}
