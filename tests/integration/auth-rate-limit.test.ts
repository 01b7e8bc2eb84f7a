import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startServer, type TestServer } from '../helpers/server';

// Failed logins are limited per email (5 in 15 minutes) and per IP (30 in 15 minutes).
let server: TestServer;
const PASSWORD = 'correct-horse-battery';

beforeAll(async () => {
	server = await startServer();
	await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
});

const login = (email: string, password: string) => call(server, 'POST', '/api/auth/login', { body: { email, password } });

describe('login rate limit', () => {
	it('answers 429 with Retry-After after repeated failures for one email, even for the right password', async () => {
		for (let i = 0; i < 5; i++) expect((await login('admin@example.com', 'wrong-password')).status).toBe(401);
		const limited = await login('ADMIN@example.com', PASSWORD);
		expect(limited.status).toBe(429);
		expect(limited.body.code).toBe('rate_limited');
		const retryAfter = Number(limited.headers.get('retry-after'));
		expect(Number.isInteger(retryAfter)).toBe(true);
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(15 * 60);
		expect(limited.headers.get('set-cookie')).toBeNull();
	});

	it('limits one IP trying many emails, and a forged X-Forwarded-For does not help', async () => {
		let limited = null;
		for (let i = 0; i < 40 && !limited; i++) {
			const res = await login(`probe-${i}@example.com`, 'wrong-password');
			if (res.status === 429) limited = res;
			else expect(res.status).toBe(401);
		}
		expect(limited).not.toBeNull();
		expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
		const forged = await call(server, 'POST', '/api/auth/login', {
			body: { email: 'fresh@example.com', password: 'wrong-password' },
			headers: { 'x-forwarded-for': '203.0.113.9' }
		});
		expect(forged.status).toBe(429);
	});
});
