import { and, eq, gte, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Caller } from '../auth/types';
import { getDb, schema } from '../db';
import { ValidationError } from '../http/errors';

export const AUDIT_STATUSES = ['success', 'error', 'timeout', 'cancelled'] as const;
export const MAX_PAGE = 1000;

/** `2026-01-31`, `2026-01-31T12:00`, `2026-01-31T12:00:00.000Z`, `…+02:00`. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const isoTime = z
	.string()
	.regex(ISO_DATE, 'must be an ISO 8601 date or date-time')
	.transform((v, ctx) => {
		// A date-time without a zone is read as UTC, like every time on the wire.
		const withZone = /T/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? `${v}Z` : v;
		const date = new Date(withZone);
		if (Number.isNaN(date.getTime())) {
			ctx.addIssue({ code: 'custom', message: 'is not a valid date' });
			return z.NEVER;
		}
		return date;
	});

/** Filters shared by the list, stats and export endpoints. Empty values mean "no filter". */
export const filterFields = {
	model: z.string().max(256).optional(),
	status: z.enum(AUDIT_STATUSES).optional(),
	/** A remote backend's name, or `local` for requests the local pool served. */
	backend: z.string().max(128).optional(),
	user: z.string().max(320).optional(),
	start_time: isoTime.optional(),
	end_time: isoTime.optional()
};

const dropEmpty = (value: unknown) =>
	value && typeof value === 'object'
		? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== ''))
		: value;

const timeOrder = (f: { start_time?: Date; end_time?: Date }) =>
	!f.start_time || !f.end_time || f.start_time <= f.end_time;
const timeOrderIssue = { message: 'start_time must not be after end_time', path: ['end_time'] };

export const AuditFilters = z.preprocess(
	dropEmpty,
	z.strictObject(filterFields).refine(timeOrder, timeOrderIssue)
);
export type AuditFilters = z.infer<typeof AuditFilters>;

export const AuditListQuery = z.preprocess(
	dropEmpty,
	z
		.strictObject({
			...filterFields,
			limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
			offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
			cursor: z.string().max(64).optional()
		})
		.refine(timeOrder, timeOrderIssue)
		.refine((q) => q.offset === undefined || q.cursor === undefined, {
			message: 'use either offset or cursor, not both',
			path: ['cursor']
		})
);
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditExportQuery = z.preprocess(
	dropEmpty,
	z
		.strictObject({ ...filterFields, format: z.enum(['csv', 'jsonl']).default('csv') })
		.refine(timeOrder, timeOrderIssue)
);
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

/** Keyset position: the (timestamp, id) of the last row of a page, opaque to clients. */
export type Cursor = { t: number; id: number };

export function encodeCursor(row: { timestamp: Date; id: number }): string {
	return Buffer.from(`${row.timestamp.getTime()}:${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor {
	const match = /^(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
	if (!match) {
		throw new ValidationError('Invalid query: cursor: not a cursor from this API', [
			{ path: 'cursor', message: 'not a cursor from this API' }
		]);
	}
	return { t: Number(match[1]), id: Number(match[2]) };
}

const t = schema.auditLogs;

/** The `user` filter: an id, or an email (an account's current id, else rows stored with that email). */
async function userCondition(value: string): Promise<SQL> {
	if (!value.includes('@')) return eq(t.userId, value);
	const email = value.trim().toLowerCase();
	const [user] = await getDb()
		.select({ id: schema.users.id })
		.from(schema.users)
		.where(eq(schema.users.email, email))
		.limit(1);
	return user ? eq(t.userId, user.id) : eq(t.userEmail, email);
}

/**
 * The WHERE clause for a caller and filters. A non-admin only ever sees their own rows, whatever
 * `user` says. Each single filter matches one of the (column, timestamp, id) indexes.
 */
export async function whereFor(caller: Caller, filters: AuditFilters, cursor?: Cursor): Promise<SQL | undefined> {
	const conditions: (SQL | undefined)[] = [];
	if (!caller.user.isAdmin) conditions.push(eq(t.userId, caller.user.id));
	else if (filters.user) conditions.push(await userCondition(filters.user));
	// A part of the model id is enough ("qwen" finds every Qwen model); % and _ match themselves.
	if (filters.model) conditions.push(sql`${t.model} LIKE ${`%${filters.model.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`);
	if (filters.status) conditions.push(eq(t.status, filters.status));
	if (filters.backend) conditions.push(filters.backend === 'local' ? isNull(t.backend) : eq(t.backend, filters.backend));
	if (filters.start_time) conditions.push(gte(t.timestamp, filters.start_time));
	if (filters.end_time) conditions.push(lte(t.timestamp, filters.end_time));
	if (cursor) conditions.push(sql`(${t.timestamp}, ${t.id}) < (${cursor.t}, ${cursor.id})`);
	return and(...conditions);
}
