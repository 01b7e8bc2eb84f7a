import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { createAccessToken, looksLikeJwt, verifyAccessToken } from './tokens';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const claims = { userId: 'user-1', email: 'a@example.com', sessionId: 'session-1' };
const inOneHour = () => new Date(Date.now() + 3_600_000);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens', () => {
	it('round-trips sub, email, sid and exp', async () => {
		const expiresAt = inOneHour();
		const token = await createAccessToken({ ...claims, expiresAt }, SECRET);
		expect(looksLikeJwt(token)).toBe(true);
		const check = await verifyAccessToken(token, SECRET);
		expect(check).toEqual({
			ok: true,
			claims: { sub: 'user-1', email: 'a@example.com', sid: 'session-1', exp: Math.floor(expiresAt.getTime() / 1000) }
		});
	});

	it('uses HS256', async () => {
		const token = await createAccessToken({ ...claims, expiresAt: inOneHour() }, SECRET);
		const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
		expect(header.alg).toBe('HS256');
	});

	it('refuses an expired token as expired', async () => {
		const token = await createAccessToken({ ...claims, expiresAt: new Date(Date.now() - 60_000) }, SECRET);
		expect(await verifyAccessToken(token, SECRET)).toEqual({ ok: false, reason: 'expired' });
	});

	it('refuses a token signed with another secret', async () => {
		const token = await createAccessToken({ ...claims, expiresAt: inOneHour() }, 'another-secret-of-sufficient-length!!');
		expect(await verifyAccessToken(token, SECRET)).toEqual({ ok: false, reason: 'invalid' });
	});

	it('refuses a token whose payload was changed', async () => {
		const token = await createAccessToken({ ...claims, expiresAt: inOneHour() }, SECRET);
		const [header, payload, signature] = token.split('.');
		const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' };
		const tampered = `${header}.${b64(changed)}.${signature}`;
		expect(await verifyAccessToken(tampered, SECRET)).toEqual({ ok: false, reason: 'invalid' });
	});

	it('refuses alg "none"', async () => {
		const exp = Math.floor(Date.now() / 1000) + 3600;
		const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'user-1', email: 'a@example.com', sid: 'session-1', exp })}.`;
		expect(await verifyAccessToken(unsigned, SECRET)).toEqual({ ok: false, reason: 'invalid' });
		expect(looksLikeJwt(unsigned)).toBe(false);
	});

	it('refuses another HMAC algorithm with the right secret', async () => {
		const token = await new SignJWT({ email: 'a@example.com', sid: 'session-1' })
			.setProtectedHeader({ alg: 'HS512' })
			.setSubject('user-1')
			.setExpirationTime('1h')
			.sign(new TextEncoder().encode(SECRET));
		expect(await verifyAccessToken(token, SECRET)).toEqual({ ok: false, reason: 'invalid' });
	});

	it('refuses a correctly signed token that lacks the session claim', async () => {
		const token = await new SignJWT({ email: 'a@example.com' })
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject('user-1')
			.setExpirationTime('1h')
			.sign(new TextEncoder().encode(SECRET));
		expect(await verifyAccessToken(token, SECRET)).toEqual({ ok: false, reason: 'invalid' });
	});

	it.each(['', 'abc', 'a.b', 'a.b.c', 'llm_somekey', `${b64({ alg: 'HS256' })}.not-json.sig`])(
		'refuses the malformed token %j',
		async (token) => {
			expect(await verifyAccessToken(token, SECRET)).toEqual({ ok: false, reason: 'invalid' });
		}
	);

	it('tells JWTs from API keys', () => {
		expect(looksLikeJwt('llm_abcdef')).toBe(false);
		expect(looksLikeJwt('aaa.bbb.ccc')).toBe(true);
		expect(looksLikeJwt('aaa.bbb.ccc.ddd')).toBe(false);
	});
	describe('a token checked before', () => {
		afterEach(() => void vi.useRealTimers());

		it('is refused as expired once its time has passed', async () => {
			const token = await createAccessToken({ ...claims, expiresAt: new Date(Date.now() + 5_000) }, SECRET);
			expect((await verifyAccessToken(token, SECRET)).ok).toBe(true);
			vi.useFakeTimers({ toFake: ['Date'] });
			vi.setSystemTime(Date.now() + 6_000);
			expect(await verifyAccessToken(token, SECRET)).toEqual({ ok: false, reason: 'expired' });
		});

		it('is still refused under another secret', async () => {
			const token = await createAccessToken({ ...claims, expiresAt: inOneHour() }, SECRET);
			expect((await verifyAccessToken(token, SECRET)).ok).toBe(true);
			expect(await verifyAccessToken(token, 'another-secret-of-sufficient-length!!')).toEqual({ ok: false, reason: 'invalid' });
		});

		it('with a changed signature is refused', async () => {
			const token = await createAccessToken({ ...claims, expiresAt: inOneHour() }, SECRET);
			expect((await verifyAccessToken(token, SECRET)).ok).toBe(true);
			const [h, p, sig] = token.split('.');
			const other = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
			expect(await verifyAccessToken(other, SECRET)).toEqual({ ok: false, reason: 'invalid' });
		});
	});
});
