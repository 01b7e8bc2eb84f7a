import { describe, expect, it } from 'vitest';
import type { AuditLogEntry } from '$lib/types/audit';
import { CSV_COLUMNS, csvField, csvHeader, csvLine, jsonLine } from './csv';

const entry: AuditLogEntry = {
	id: 7,
	request_id: 'req-7',
	timestamp: '2026-01-01T00:00:00.000Z',
	user_id: 'u1',
	user_email: 'a@example.com',
	api_key_id: null,
	model: 'owner/repo',
	endpoint: '/v1/chat/completions',
	backend_type: 'local',
	backend: null,
	status: 'error',
	duration_ms: 12,
	ttft_ms: null,
	prompt_tokens: 3,
	cached_tokens: 0,
	completion_tokens: 0,
	total_tokens: 3,
	error_type: 'model_not_found',
	error_message: 'Model "x, y" not found\nsecond line'
};

describe('csv', () => {
	it('leaves plain text and numbers as they are, nulls empty', () => {
		expect(csvField('plain')).toBe('plain');
		expect(csvField(42)).toBe('42');
		expect(csvField(null)).toBe('');
		expect(csvField(undefined)).toBe('');
	});

	it('quotes commas, quotes and line breaks (RFC 4180)', () => {
		expect(csvField('a,b')).toBe('"a,b"');
		expect(csvField('say "hi"')).toBe('"say ""hi"""');
		expect(csvField('one\ntwo')).toBe('"one\ntwo"');
		expect(csvField('one\r\ntwo')).toBe('"one\r\ntwo"');
	});

	it('defuses cells a spreadsheet would run as a formula', () => {
		expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
		expect(csvField('+1')).toBe("'+1");
		expect(csvField('-2')).toBe("'-2");
		expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvField('\tcmd')).toBe(`"'\tcmd"`);
		expect(csvField('a=b')).toBe('a=b');
	});

	it('quotes cells that a semicolon or tab separator would split into a formula', () => {
		expect(csvField('x;=1+1')).toBe('"x;=1+1"');
		expect(csvField('x\t=1+1')).toBe('"x\t=1+1"');
		expect(csvField('a;b')).toBe('"a;b"');
	});

	it('writes the SPEC columns in order, then the backend, with CRLF line ends', () => {
		expect(csvHeader()).toBe(
			'timestamp,request_id,user_email,model,endpoint,status,duration_ms,ttft_ms,prompt_tokens,completion_tokens,total_tokens,error_type,error_message,backend\r\n'
		);
		expect(csvLine(entry)).toBe(
			'2026-01-01T00:00:00.000Z,req-7,a@example.com,owner/repo,/v1/chat/completions,error,12,,3,0,3,model_not_found,"Model ""x, y"" not found\nsecond line",\r\n'
		);
		expect(CSV_COLUMNS).toHaveLength(14);
		expect(csvLine({ ...entry, backend_type: 'remote', backend: 'gpu-box' }).trimEnd().split(',').at(-1)).toBe('gpu-box');
	});

	it('writes one JSON object per line', () => {
		const line = jsonLine(entry);
		expect(line.endsWith('\n')).toBe(true);
		expect(JSON.parse(line)).toEqual(entry);
	});
});
