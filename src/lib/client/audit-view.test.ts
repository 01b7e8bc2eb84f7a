import { describe, expect, it } from 'vitest';
import type { AuditLogEntry } from '$lib/types/audit';
import { emptyFilters, filterParams, matchesFilters } from './audit-view';

const row = (backend: string | null): AuditLogEntry => ({
	id: 1,
	request_id: 'r',
	timestamp: '2026-12-02T06:00:00.000Z',
	user_id: 'u',
	user_email: 'a@example.com',
	api_key_id: null,
	model: 'm',
	endpoint: '/v1/chat/completions',
	backend_type: backend ? 'remote' : 'local',
	backend,
	status: 'success',
	duration_ms: 1,
	ttft_ms: null,
	prompt_tokens: 0,
	cached_tokens: 0,
	completion_tokens: 0,
	total_tokens: 0,
	error_type: null,
	error_message: null
});

describe('the backend filter', () => {
	it('is sent to the API, and matches live rows by name, or `local` for the local pool', () => {
		expect(filterParams({ ...emptyFilters(), backend: ' gpu-box ' }).get('backend')).toBe('gpu-box');
		expect(filterParams(emptyFilters()).has('backend')).toBe(false);
		const gpu = { ...emptyFilters(), backend: 'gpu-box' };
		const local = { ...emptyFilters(), backend: 'local' };
		expect(matchesFilters(row('gpu-box'), gpu)).toBe(true);
		expect(matchesFilters(row('other'), gpu)).toBe(false);
		expect(matchesFilters(row(null), gpu)).toBe(false);
		expect(matchesFilters(row(null), local)).toBe(true);
		expect(matchesFilters(row('gpu-box'), local)).toBe(false);
		expect(matchesFilters(row('gpu-box'), emptyFilters())).toBe(true);
	});
});
