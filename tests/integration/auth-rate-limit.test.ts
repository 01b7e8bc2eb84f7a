import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callFrom } from '../helpers/from-address';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

// Failed logins are limited per address and email (5 in 15 minutes) and per address (30 in 15
// minutes); per email alone they are only slowed down. Registrations: 10 per address per hour.
let server: TestServer;
let admin: SignedIn;
const PASSWORD = 'correct-horse-battery';

beforeAll(async () => {
	server = await startServer({ env: { LLM_MANAGER_REGISTRATIONS_PER_HOUR: '10' } });
	admin = await signUp(server, 'admin@example.com');
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

describe('an account under attack from another address', () => {
	it('still signs its owner in with the right password after 5 wrong ones from elsewhere', async () => {
		// Registered and approved without signing in from 127.0.0.1, which the test above exhausted.
		const reg = await call(server, 'POST', '/api/auth/register', { body: { email: 'owner@example.com', password: PASSWORD } });
		expect((await call(server, 'PUT', `/api/auth/users/${reg.body.id}`, { token: admin.token, body: { status: 'approved' } })).status).toBe(200);
		const guess = () => callFrom('127.0.0.2', server, 'POST', '/api/auth/login', { email: 'owner@example.com', password: 'wrong-password' });
		for (let i = 0; i < 5; i++) expect((await guess()).status).toBe(401);
		const refused = await guess();
		expect(refused.status).toBe(429);
		expect(refused.body.detail).toBe('Too many failed attempts. Try again in 15 minutes.');

		const owner = await callFrom('127.0.0.3', server, 'POST', '/api/auth/login', { email: 'owner@example.com', password: PASSWORD });
		expect(owner.status).toBe(200);
		expect(owner.body.user.email).toBe('owner@example.com');
	});
});

describe('registration rate limit', () => {
	it('refuses an 11th account from one address within the hour (the default), not from another address', async () => {
		const register = (from: string, i: number) =>
			callFrom(from, server, 'POST', '/api/auth/register', { email: `bulk-${from}-${i}@example.com`, password: PASSWORD });
		for (let i = 0; i < 10; i++) expect((await register('127.0.0.4', i)).status).toBe(201);
		const refused = await register('127.0.0.4', 10);
		expect(refused.status).toBe(429);
		expect(refused.body.detail).toMatch(/^Too many accounts created from this address\. Try again in \d+ minutes?\.$/);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect((await register('127.0.0.5', 0)).status).toBe(201);
	});
});
