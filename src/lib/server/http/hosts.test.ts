import { describe, expect, it } from 'vitest';
import { allowedHostNames, hostName } from './hosts';

describe('hostName', () => {
	it('drops the port, the brackets of IPv6, a trailing dot and case', () => {
		expect(hostName('LocalHost:10242')).toBe('localhost');
		expect(hostName('127.0.0.1:80')).toBe('127.0.0.1');
		expect(hostName('[::1]:10242')).toBe('::1');
		expect(hostName('::1')).toBe('::1');
		expect(hostName('evil.example.')).toBe('evil.example');
	});
});

describe('allowedHostNames', () => {
	it('defaults to the bind address, the loopback names and the host of ORIGIN', () => {
		const names = allowedHostNames(null, '127.0.0.1', 'https://llm.example.com');
		expect([...names!].sort()).toEqual(['127.0.0.1', '::1', 'llm.example.com', 'localhost']);
	});

	it('takes the configured names instead, keeps ORIGIN, and * turns the check off', () => {
		expect([...allowedHostNames(['LLM.lan'], '0.0.0.0', 'http://localhost:10242')!].sort()).toEqual(['llm.lan', 'localhost']);
		expect(allowedHostNames(['*'], '127.0.0.1', undefined)).toBeNull();
	});
});
