import { describe, expect, it } from 'vitest';
import { originAllowed, requestIdFor } from './v1-edge';

describe('originAllowed', () => {
	const defaults = ['http://localhost:*', 'http://127.0.0.1:*'];
	it.each([
		['http://localhost:5173', true],
		['http://localhost', true],
		['http://127.0.0.1:8080', true],
		['https://localhost:5173', false],
		['http://localhost.evil.example:80', false],
		['http://evil.example', false],
		['null', false],
		['http://localhost:5173/path', false]
	])('%s → %s with the defaults', (origin, ok) => {
		expect(originAllowed(origin, defaults)).toBe(ok);
	});

	it('takes exact origins and *', () => {
		expect(originAllowed('https://app.example.com', ['https://app.example.com'])).toBe(true);
		expect(originAllowed('https://app.example.com:8443', ['https://app.example.com'])).toBe(false);
		expect(originAllowed('https://anything.example', ['*'])).toBe(true);
	});
});

describe('requestIdFor', () => {
	const withId = (id?: string) => new Request('http://x/v1/models', { headers: id === undefined ? {} : { 'x-request-id': id } });
	it("keeps a client's safe id and replaces an unsafe or too long one", () => {
		expect(requestIdFor(withId('abc-123_x.y:z'))).toBe('abc-123_x.y:z');
		expect(requestIdFor(withId('a'.repeat(128)))).toBe('a'.repeat(128));
		for (const bad of ['a'.repeat(129), '../x', 'a b', '<script>', '']) expect(requestIdFor(withId(bad))).toMatch(/^[0-9a-f]{32}$/);
		expect(requestIdFor(withId())).toMatch(/^[0-9a-f]{32}$/);
	});
});
