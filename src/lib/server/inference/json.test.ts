import { describe, expect, it } from 'vitest';
import { closeJson, jsonDepth } from './json';

describe('closeJson', () => {
	const cases = [
		'{"name":"Al',
		'{"name":"Al\\',
		'{"name":"\\u00',
		'{"name":',
		'{"name"',
		'{"a":1,',
		'{"a":[1,2',
		'{"a":[1,',
		'{"a":tr',
		'{"a":-',
		'{"a":1.5e',
		'[{"x":{"y":[',
		'{',
		'',
		'  ',
		'{"a":{"b":"c"},"d":nu'
	];
	it.each(cases)('completes %j so that it parses and starts with the original', (text) => {
		const closed = closeJson(text);
		expect(closed.startsWith(text)).toBe(true);
		expect(() => JSON.parse(closed)).not.toThrow();
	});

	it('leaves complete JSON alone', () => {
		expect(closeJson('{"a": [1, true, null]}')).toBe('{"a": [1, true, null]}');
	});
});

describe('jsonDepth', () => {
	it('counts nested objects and arrays, without recursion', () => {
		expect(jsonDepth(undefined)).toBe(0);
		expect(jsonDepth('x')).toBe(0);
		expect(jsonDepth({})).toBe(1);
		expect(jsonDepth({ a: [1, { b: null }] })).toBe(3);
		const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
		expect(jsonDepth(deep)).toBe(100_000);
	});
});
