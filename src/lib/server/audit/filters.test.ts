import { describe, expect, it } from 'vitest';
import { validate } from '../http/parse';
import { AuditExportQuery, AuditFilters, AuditListQuery, decodeCursor, encodeCursor } from './filters';

const list = (q: Record<string, string>) => validate(AuditListQuery, q, 'query');

describe('audit query parameters', () => {
	it('defaults to a page of 100 and ignores empty values', () => {
		expect(list({ model: '', status: '' })).toEqual({ limit: 100 });
	});

	it('parses ISO dates and date-times (a missing zone is UTC)', () => {
		const q = list({ start_time: '2026-01-01', end_time: '2026-01-02T10:30' });
		expect(q.start_time?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
		expect(q.end_time?.toISOString()).toBe('2026-01-02T10:30:00.000Z');
		expect(list({ start_time: '2026-01-01T10:00:00+02:00' }).start_time?.toISOString()).toBe('2026-01-01T08:00:00.000Z');
	});

	it.each([
		[{ start_time: 'yesterday' }, 'start_time'],
		[{ end_time: '2026-13-45' }, 'end_time'],
		[{ start_time: '2026-02-01', end_time: '2026-01-01' }, 'end_time'],
		[{ limit: '1001' }, 'limit'],
		[{ limit: '0' }, 'limit'],
		[{ limit: 'ten' }, 'limit'],
		[{ offset: '-1' }, 'offset'],
		[{ status: 'done' }, 'status'],
		[{ offset: '10', cursor: 'abc' }, 'cursor'],
		[{ stauts: 'error' }, '']
	])('refuses %o with a 400 naming the field', (params, field) => {
		try {
			list(params as Record<string, string>);
			expect.unreachable();
		} catch (err) {
			const e = err as { status: number; issues: { path: string }[] };
			expect(e.status).toBe(400);
			expect(e.issues.map((i) => i.path)).toContain(field);
		}
	});

	it('stats take filters only; export needs a known format', () => {
		expect(() => validate(AuditFilters, { limit: '5' })).toThrow();
		expect(validate(AuditExportQuery, {}).format).toBe('csv');
		expect(() => validate(AuditExportQuery, { format: 'xml' })).toThrow();
	});

	it('round-trips cursors and refuses forged ones', () => {
		const cursor = encodeCursor({ timestamp: new Date(1767225600123), id: 42 });
		expect(decodeCursor(cursor)).toEqual({ t: 1767225600123, id: 42 });
		expect(() => decodeCursor('not-a-cursor')).toThrow(/cursor/);
		expect(() => decodeCursor(Buffer.from('1:2; DROP').toString('base64url'))).toThrow(/cursor/);
	});
});
