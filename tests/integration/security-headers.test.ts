import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCall } from '../helpers/from-address';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;
beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com');
});
afterAll(async () => {
	await server?.stop();
});

function expectBaseHeaders(headers: Headers) {
	expect(headers.get('x-frame-options')).toBe('DENY');
	expect(headers.get('x-content-type-options')).toBe('nosniff');
	expect(headers.get('referrer-policy')).toBe('same-origin');
}

describe('security headers', () => {
	it('pages carry a CSP that allows only their own (nonced) scripts and no framing', async () => {
		const res = await fetch(`${server.url}/login`);
		expect(res.status).toBe(200);
		const csp = res.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toContain("object-src 'none'");
		expect(csp).toMatch(/script-src 'self' 'nonce-[\w+/=-]+'/);
		expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
		// The page's own inline start-up script carries that nonce.
		const nonce = /'nonce-([^']+)'/.exec(csp)![1];
		expect(await res.text()).toContain(`nonce="${nonce}"`);
		expectBaseHeaders(res.headers);
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(res.headers.get('strict-transport-security')).toBeNull();
	});

	it('API answers with personal data are never stored by a cache', async () => {
		const me = await call(server, 'GET', '/api/auth/me', { token: admin.token });
		expect(me.status).toBe(200);
		expectBaseHeaders(me.headers);
		expect(me.headers.get('cache-control')).toBe('no-store');
		const refused = await call(server, 'GET', '/api/auth/me');
		expect(refused.status).toBe(401);
		expect(refused.headers.get('cache-control')).toBe('no-store');
		const keys = await call(server, 'GET', '/api/auth/api-keys', { cookie: admin.cookie });
		expect(keys.headers.get('cache-control')).toBe('no-store');
	});

	it('sends HSTS when the app is served over https', async () => {
		const https = await startServer({ env: { ORIGIN: 'https://llm.example.com' } });
		try {
			const res = await rawCall(https, 'GET', '/health', { headers: { host: 'llm.example.com' } });
			expect(res.status).toBe(200);
			expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
		} finally {
			await https.stop();
		}
	});

	it('refuses a cross-site form post to the sign-in page', async () => {
		const res = await rawCall(server, 'POST', '/login?/login', {
			headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
			body: undefined
		});
		expect(res.status).toBe(403);
	});
});
