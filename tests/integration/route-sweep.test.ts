/**
 * A sweep over every `/api` and `/v1` endpoint, discovered from `src/routes` (a new route is covered
 * the day it is added): unauthenticated, invalid, malformed, oversized, cross-site, non-admin and
 * hostile-path requests all get a clear 4xx, change nothing, and leave no secret in the server log.
 * Focused cross-user checks follow where a generic sweep cannot judge (keys, downloads, audit rows).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { startHub, type FakeHub } from '../helpers/models';
import { concretePath, discoverRoutes, endpointsOf, label, METHODS, MUTATING, type Endpoint } from '../helpers/routes';
import { call, readResponse, signIn, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const routes = discoverRoutes();
const endpoints = endpointsOf(routes);
const mutating = endpoints.filter((e) => MUTATING.has(e.method));
const PUBLIC = new Set(['POST /api/auth/login', 'POST /api/auth/register', 'GET /api/openapi.json']);
const isPublic = (e: Endpoint) => PUBLIC.has(label(e));
/** Ends the session it is called with: swept with a throwaway session so the sweep keeps its own. */
const isLogout = (e: Endpoint) => label(e) === 'POST /api/auth/logout';
/** Honours `?token=` (SPEC §2: the download-progress SSE; the audit WebSocket is not a `+server.ts`). */
const isStream = (e: Endpoint) => label(e) === 'GET /api/models/download/[id]/progress';

const secret = (what: string) => `${what}-${randomBytes(12).toString('base64url')}`;
const ADMIN_PASSWORD = secret('admin-pass');
const USER_PASSWORD = secret('user-pass');
const OTHER_PASSWORD = secret('other-pass');
const KEPT_MODEL = 'sweep-org/sweep-repo/kept.gguf';
const MALFORMED = '{"name": "broken",';
// Above every limit: the routes' own (16 KiB–16 MiB) and the server's BODY_SIZE_LIMIT (32 MiB).
const OVERSIZED = Buffer.alloc(40 * 1024 * 1024, 'a');
OVERSIZED.write('{"name": "');

let hub: FakeHub;
let server: TestServer;
let admin: SignedIn;
let user: SignedIn;
let other: SignedIn;
let dataDir: string;
let victimDir: string;
let victimFile: string;
/** Every credential and password this file sends: none may appear in the server log. */
const secrets: string[] = [ADMIN_PASSWORD, USER_PASSWORD, OTHER_PASSWORD];

type Reply = { status: number; body: any; headers: Headers } | { status: 'reset'; error: string };

/** Like `call`, but takes a raw path and any body, and reports a dropped connection instead of throwing. */
async function send(
	method: string,
	pathname: string,
	options: { body?: string | Buffer; token?: string; cookie?: string; headers?: Record<string, string> } = {}
): Promise<Reply> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.body !== undefined) headers['content-type'] ??= 'application/json';
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.cookie) headers.cookie = options.cookie;
	try {
		return await readResponse(await fetch(server.url + pathname, { method, headers, body: options.body as BodyInit | undefined }));
	} catch (err) {
		return { status: 'reset', error: String((err as Error).cause ?? err) };
	}
}

const bodyFor = (e: Endpoint, body = '{}') => (MUTATING.has(e.method) ? body : undefined);
const describeReply = (r: Reply) => (r.status === 'reset' ? `connection reset (${r.error})` : `${r.status} ${JSON.stringify(r.body)?.slice(0, 200)}`);
const is4xx = (r: Reply) => typeof r.status === 'number' && r.status >= 400 && r.status < 500;

/** Runs every case and fails once with the full list of endpoints that broke the rule. */
async function sweep<T>(cases: T[], run: (c: T) => Promise<string | null>): Promise<void> {
	const failures: string[] = [];
	for (const c of cases) {
		const failure = await run(c);
		if (failure) failures.push(failure);
	}
	expect(failures).toEqual([]);
}

/** Prints which status each endpoint answered, so the test output shows how a rule was met. */
function report(title: string, answers: [string, Reply][]): void {
	console.log(`${title}:\n  ${answers.map(([what, r]) => `${typeof r.status === 'number' ? r.status : 'reset'} ${what}`).join('\n  ')}`);
}

/** A fresh session of the same account, for the endpoints that end the session they are called with. */
const throwaway = async (who: SignedIn, password: string) => {
	const session = await signIn(server, who.email, password);
	secrets.push(session.token, session.cookie.split('=')[1]);
	return session;
};
const tokenFor = async (e: Endpoint, who: SignedIn, password: string) => (isLogout(e) ? (await throwaway(who, password)).token : who.token);

/** What a request could change, read as the admin. */
async function snapshot(): Promise<string> {
	const get = async (p: string) => {
		const res = await call(server, 'GET', p, { token: admin.token });
		expect(res.status, p).toBe(200);
		return res.body;
	};
	return JSON.stringify({
		users: (await get('/api/auth/users')).map((u: any) => [u.id, u.email, u.status, u.is_admin]),
		keys: (await get('/api/auth/api-keys')).map((k: any) => [k.id, k.name]),
		profiles: (await get('/api/profiles')).map((p: any) => [p.id, p.name, p.updated_at]),
		pool: await get('/api/settings/pool'),
		local: (await get('/api/models/local')).map((m: any) => m.id),
		downloads: await get('/api/models/downloads/active')
	});
}

/** Names, sizes and modification times of everything under a folder. */
function fileState(dir: string): string {
	const entries = (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
	return JSON.stringify(entries.map((f) => {
		const stat = fs.statSync(path.join(dir, f));
		return [f, stat.size, stat.mtimeMs];
	}));
}

beforeAll(async () => {
	hub = await startHub();
	dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', KEPT_MODEL));
	// A model and a secret outside the data dir that hostile paths aim at.
	victimDir = tempDir('sweep-victim-');
	victimFile = path.join(victimDir, 'owner/repo/file.gguf');
	writeTinyLlama(victimFile);
	fs.writeFileSync(path.join(victimDir, 'secret.txt'), 'do not read me');
	server = await startServer({ dataDir, env: { HF_ENDPOINT: hub.url, LLM_MANAGER_LOG_LEVEL: 'debug' } });
	admin = await signUp(server, 'admin@example.com', ADMIN_PASSWORD);
	user = await signUp(server, 'user@example.com', USER_PASSWORD, admin.token);
	other = await signUp(server, 'other@example.com', OTHER_PASSWORD, admin.token);
	for (const s of [admin, user, other]) secrets.push(s.token, s.cookie.split('=')[1]);
	// Something for each listing to hold, so a request that wrongly changes it shows.
	const profile = await call(server, 'POST', '/api/profiles', { token: admin.token, body: { name: 'sweep-profile', model_id: KEPT_MODEL } });
	expect(profile.status).toBe(201);
	const key = await call(server, 'POST', '/api/auth/api-keys', { token: admin.token, body: { name: 'sweep-key' } });
	expect(key.status).toBe(201);
	secrets.push(key.body.key);
});
afterAll(async () => {
	await server?.stop();
	await hub?.close();
	fs.rmSync(victimDir, { recursive: true, force: true });
});

describe('route discovery', () => {
	it('finds the API of SPEC.md', () => {
		const found = endpoints.map(label);
		console.log(`route sweep: ${endpoints.length} endpoints on ${routes.length} routes\n  ${found.join('\n  ')}`);
		for (const expected of [
			'POST /api/auth/login',
			'GET /api/auth/users',
			'DELETE /api/auth/api-keys/[id]',
			'DELETE /api/models/[...id]',
			'POST /api/models/download/[id]/pause',
			'PUT /api/settings/pool',
			'GET /api/system/audit-logs/export',
			'POST /v1/chat/completions',
			'GET /v1/models/[...id]'
		]) {
			expect(found).toContain(expected);
		}
		expect(routes.find((r) => r.id === '/api/models/[...id]')?.params).toEqual([{ name: 'id', rest: true }]);
		expect(concretePath(routes.find((r) => r.id === '/api/models/repo/[owner]/[repo]/files')!, (p) => p.name)).toBe(
			'/api/models/repo/owner/repo/files'
		);
	});
});

describe('the sweep', () => {
	let before: string;
	let victimBefore: string;
	const adminOnly: string[] = [];

	it('records the state it must leave unchanged', async () => {
		before = await snapshot();
		victimBefore = fileState(victimDir);
		expect(JSON.parse(before).local).toContain(KEPT_MODEL);
	});

	it('1. without a credential everything but login, register and the API reference answers 401', async () => {
		await sweep(endpoints, async (e) => {
			const res = await send(e.method, concretePath(e.route), { body: bodyFor(e) });
			// Public: login and register refuse the sweep's body; the API reference simply answers.
			if (isPublic(e)) return is4xx(res) || (e.method === 'GET' && res.status === 200) ? null : `${label(e)}: ${describeReply(res)}`;
			if (res.status !== 401) return `${label(e)}: ${describeReply(res)}`;
			if (!res.headers.get('content-type')?.includes('application/json')) return `${label(e)}: not JSON`;
			if (e.route.v1) {
				if (typeof res.body?.error?.message !== 'string') return `${label(e)}: no OpenAI envelope: ${describeReply(res)}`;
			} else {
				if (res.headers.get('www-authenticate') !== 'Bearer') return `${label(e)}: no WWW-Authenticate: Bearer`;
				if (typeof res.body?.detail !== 'string' || typeof res.body?.code !== 'string') return `${label(e)}: body ${describeReply(res)}`;
			}
			return null;
		});
	});

	it('1b. a method a route does not export is refused (401 without a credential, else 404/405)', async () => {
		const unsupported = routes.flatMap((route) =>
			METHODS.filter((m) => !route.methods.includes(m)).map((method) => ({ route, method }) as Endpoint)
		);
		await sweep(unsupported, async (e) => {
			const p = concretePath(e.route);
			const anonymous = await send(e.method, p, { body: bodyFor(e) });
			if (anonymous.status !== 401 && anonymous.status !== 405) return `${label(e)} without a credential: ${describeReply(anonymous)}`;
			const signedIn = await send(e.method, p, { token: admin.token, body: bodyFor(e) });
			if (signedIn.status !== 404 && signedIn.status !== 405) return `${label(e)} as admin: ${describeReply(signedIn)}`;
			return null;
		});
	}, 240_000);

	it('2. an invalid Bearer token, API key or session cookie → 401, and ?token= works only on the stream', async () => {
		const forged = [
			{ alg: 'HS256', typ: 'JWT' },
			{ sub: admin.id, sid: 'x', email: admin.email, exp: Math.floor(Date.now() / 1000) + 3600 }
		]
			.map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
			.concat(randomBytes(32).toString('base64url'))
			.join('.');
		const junk = [
			{ token: secret('not-a-token') },
			{ token: forged },
			{ token: `llm_${randomBytes(32).toString('base64url')}` },
			{ token: 'llm_' },
			{ cookie: `llm_manager_session=${secret('junk-session')}` }
		];
		for (const j of junk) secrets.push(j.token ?? j.cookie!.split('=')[1]);
		await sweep(endpoints.filter((e) => !isPublic(e)), async (e) => {
			for (const credential of junk) {
				const res = await send(e.method, concretePath(e.route), { ...credential, body: bodyFor(e) });
				if (res.status !== 401) return `${label(e)} with ${Object.keys(credential)[0]} ${JSON.stringify(Object.values(credential)[0]).slice(0, 20)}…: ${describeReply(res)}`;
			}
			// A valid access token in the query string counts only where SPEC §2 allows it.
			const query = await send(e.method, `${concretePath(e.route)}?token=${admin.token}`, { body: bodyFor(e) });
			if (isStream(e) ? query.status === 401 || !is4xx(query) : query.status !== 401) {
				return `${label(e)} with ?token=: ${describeReply(query)}`;
			}
			return null;
		});
	});

	it('3a. a malformed JSON body → 4xx (admin)', async () => {
		const answers: [string, Reply][] = [];
		await sweep(mutating, async (e) => {
			const res = await send(e.method, concretePath(e.route), { token: await tokenFor(e, admin, ADMIN_PASSWORD), body: MALFORMED });
			answers.push([label(e), res]);
			// Logout takes no body: it may ignore one.
			if (isLogout(e)) return typeof res.status === 'number' && res.status < 500 ? null : `${label(e)}: ${describeReply(res)}`;
			return is4xx(res) && [400, 404, 405, 409].includes(res.status as number) ? null : `${label(e)}: ${describeReply(res)}`;
		});
		report('malformed JSON body', answers);
	});

	it('3b. a 40 MB body → 413 or another 4xx, answered before the connection closes (admin)', async () => {
		const answers: [string, Reply][] = [];
		await sweep(mutating, async (e) => {
			const res = await send(e.method, concretePath(e.route), { token: await tokenFor(e, admin, ADMIN_PASSWORD), body: OVERSIZED });
			answers.push([label(e), res]);
			if (isLogout(e)) return typeof res.status === 'number' && res.status < 500 ? null : `${label(e)}: ${describeReply(res)}`;
			return is4xx(res) ? null : `${label(e)}: ${describeReply(res)}`;
		});
		report('40 MB body', answers);
		expect((await call(server, 'GET', '/health')).status).toBe(200);
	}, 240_000);

	it('3c. junk query parameters → never 5xx (admin)', async () => {
		const cursor = (text: string) => Buffer.from(text).toString('base64url');
		const queries = [
			'limit=-1&offset=-5',
			'limit=abc&offset=1e309&cursor=!!!!',
			'limit=1&limit=2&offset=1&cursor=x',
			`cursor=${cursor('999999999999999:999999999999999')}`,
			`cursor=${cursor('0:0')}&limit=1000000`,
			'start_time=not-a-date&end_time=99999999999999999999',
			'start_time=2030-01-01T00:00:00Z&end_time=1900-01-01',
			'format=exe&status=%00&user=%27%20OR%201%3D1--',
			`query=%00&sort=__proto__&max_size_gb=-1&model=${'a'.repeat(4000)}`,
			'max_size_gb=NaN&limit=0&sort=',
			'revision=..&new_name=&force=1',
			'revision=..%2F..%2Fetc&new_name=%00'
		];
		const answers: [string, Reply][] = [];
		await sweep(endpoints.filter((e) => !isLogout(e) && !isPublic(e)), async (e) => {
			for (const q of queries) {
				const res = await send(e.method, `${concretePath(e.route)}?${q}`, { token: admin.token, body: bodyFor(e) });
				if (res.status === 'reset' || res.status >= 500) return `${label(e)}?${q.slice(0, 80)}: ${describeReply(res)}`;
			}
			return null;
		});
		// Search and the Hub file list on a real repo, with each junk query (the fake Hub answers).
		for (const p of ['/api/models/search', '/api/models/repo/test-org/tiny-llama-GGUF/files']) {
			for (const q of queries) answers.push([`${p}?${q.slice(0, 60)}`, await send('GET', `${p}?${q}`, { token: admin.token })]);
		}
		const broken = answers.filter(([, r]) => r.status === 'reset' || r.status >= 500);
		expect(broken.map(([w, r]) => `${w}: ${describeReply(r)}`)).toEqual([]);
		// A revision is one name in the Hub URL, never a dot segment that reaches another Hub endpoint.
		for (const revision of ['..', '.', '..%2F..']) {
			const res = await send('GET', `/api/models/repo/test-org/tiny-llama-GGUF/files?revision=${revision}`, { token: admin.token });
			expect(res.status, revision).toBe(400);
		}
	}, 240_000);

	it("4. a mutation riding on the admin's cookie from another site → 403", async () => {
		await sweep(mutating, async (e) => {
			for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
				const res = await send(e.method, concretePath(e.route), { cookie: admin.cookie, headers, body: bodyFor(e) });
				if (res.status !== 403) return `${label(e)} with ${JSON.stringify(headers)}: ${describeReply(res)}`;
				if (e.route.v1 ? !res.body?.error : res.body?.code !== 'cross_site_request') return `${label(e)}: body ${describeReply(res)}`;
			}
			return null;
		});
		// The cookie itself still works from our own origin.
		expect((await call(server, 'GET', '/api/auth/me', { cookie: admin.cookie })).status).toBe(200);
	});

	it('5. admin-only routes answer 403 to a normal user', async () => {
		await sweep(endpoints, async (e) => {
			const res = await send(e.method, concretePath(e.route), { token: await tokenFor(e, user, USER_PASSWORD), body: bodyFor(e, MALFORMED) });
			if (res.status === 'reset' || res.status >= 500) return `${label(e)}: ${describeReply(res)}`;
			if (res.status === 403) adminOnly.push(label(e));
			return null;
		});
		console.log(`admin-only endpoints (403 for a normal user):\n  ${adminOnly.join('\n  ')}`);
		expect(adminOnly).toEqual(
			expect.arrayContaining([
				'GET /api/auth/users',
				'PUT /api/auth/users/[id]',
				'DELETE /api/auth/users/[id]',
				'POST /api/auth/users/[id]/reset-password',
				'GET /api/auth/users/pending/count',
				'PUT /api/settings/pool'
			])
		);
		// Everything a user needs day to day stays open to them.
		for (const open of ['GET /api/auth/me', 'GET /api/settings/pool', 'GET /api/profiles', 'GET /v1/models']) {
			expect(adminOnly).not.toContain(open);
		}
	});

	it('6. hostile path parameters → 4xx and nothing outside the data dir is touched', async () => {
		const modelsDir = path.join(dataDir, 'models');
		const relative = path.relative(modelsDir, victimFile).split(path.sep).join('/');
		const enc = encodeURIComponent;
		const single = [
			'..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
			enc(relative),
			enc(victimFile),
			enc(path.join(victimDir, 'secret.txt')),
			'%2Fetc%2Fpasswd',
			'..%5C..%5C..%5Cetc%5Cpasswd',
			'x%00y',
			'%00',
			'C%3A%5CWindows%5Cwin.ini'
		];
		const rest = [
			...single,
			relative.replace(/\.\.\//g, '..%2F'),
			`owner/repo/${'..%2F'.repeat(6)}etc%2Fpasswd`,
			'sweep-org/sweep-repo/..%2Fsweep-repo%2Fkept.gguf',
			'owner/repo/file.gguf%00',
			'owner/repo/file.gguf%00.txt',
			'owner%5Crepo%5Cfile.gguf',
			'owner/repo/%2Fetc%2Fpasswd',
			'owner/repo/sub%5C..%5C..%5Cfile.gguf'
		];
		const withParams = endpoints.filter((e) => e.route.params.length > 0);
		expect(withParams.length).toBeGreaterThan(10);
		const cases = withParams.flatMap((e) =>
			e.route.params.flatMap((target) =>
				(target.rest ? rest : single).map((value) => ({
					e,
					path: concretePath(e.route, (p) => (p.name === target.name ? value : p.rest ? 'owner/repo/file.gguf' : 'x'))
				}))
			)
		);
		await sweep(cases, async ({ e, path: p }) => {
			const res = await send(e.method, p, { token: admin.token, body: bodyFor(e) });
			return is4xx(res) ? null : `${e.method} ${p}: ${describeReply(res)}`;
		});
		expect(fileState(victimDir)).toBe(victimBefore);
		expect(fs.existsSync(path.join(modelsDir, KEPT_MODEL))).toBe(true);
	});

	it('6b. hostile model ids and file names in bodies → 4xx and no file outside the data dir is read', async () => {
		const relative = path.relative(path.join(dataDir, 'models'), victimFile).split(path.sep).join('/');
		const ids = [relative, victimFile, 'owner/repo/../../../../etc/passwd.gguf', 'owner\\repo\\file.gguf', 'owner/repo/file\u0000.gguf', 'C:\\x\\y.gguf'];
		const cases: [string, string, unknown][] = [
			...ids.map((id): [string, string, unknown] => ['POST', '/api/profiles', { name: `hostile-${id.length}`, model_id: id }]),
			...ids.flatMap((id): [string, string, unknown][] => [
				['POST', '/v1/chat/completions', { model: id, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }],
				['POST', '/v1/completions', { model: id, prompt: 'hi', max_tokens: 1 }],
				['POST', '/v1/embeddings', { model: id, input: 'hi' }]
			]),
			['POST', '/api/models/download', { repo: '../..', file: 'x.gguf' }],
			['POST', '/api/models/download', { repo: 'test-org/tiny-llama-GGUF', file: '../../../../x.gguf' }],
			['POST', '/api/models/download', { repo: 'test-org/tiny-llama-GGUF', file: victimFile }],
			['POST', '/api/models/download', { repo: 'test-org/tiny-llama-GGUF', file: 'sub\\..\\..\\x.gguf' }],
			['POST', '/api/models/download', { repo: 'test-org/tiny-llama-GGUF', file: 'x\u0000.gguf' }]
		];
		await sweep(cases, async ([method, p, body]) => {
			const res = await send(method, p, { token: admin.token, body: JSON.stringify(body) });
			return is4xx(res) ? null : `${method} ${p} ${JSON.stringify(body).slice(0, 120)}: ${describeReply(res)}`;
		});
		expect(fileState(victimDir)).toBe(victimBefore);
	});

	it('changed nothing: same users, keys, profiles, settings, models and downloads; sessions alive', async () => {
		expect(await snapshot()).toBe(before);
		for (const who of [admin, user]) {
			expect((await call(server, 'GET', '/api/auth/me', { token: who.token })).status).toBe(200);
			expect((await call(server, 'GET', '/api/auth/me', { cookie: who.cookie })).status).toBe(200);
		}
	});
});

describe('bodies a model would choke on', () => {
	// Built as text: a value this deep overflows JSON.stringify's recursion in the test itself.
	const deepSchema = (n: number) => '{"type":"object","properties":{"a":'.repeat(n) + '{"type":"string"}' + '}}'.repeat(n);
	const chat = (extra: string) =>
		`{"model": "${KEPT_MODEL}", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, ${extra}}`;

	it('/v1 answers 4xx, never 5xx (nor a 200 stream that fails), to schemas nested thousands deep and inputs longer than the context', async () => {
		const cases: [string, string, number[]][] = [
			['/v1/chat/completions', chat(`"tools": [{"type": "function", "function": {"name": "f", "parameters": ${deepSchema(3000)}}}]`), [400]],
			['/v1/chat/completions', chat(`"response_format": {"type": "json_schema", "json_schema": {"schema": ${deepSchema(3000)}}}`), [400]],
			['/v1/chat/completions', chat(`"response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "nonsense"}}}`), [200, 400]],
			['/v1/chat/completions', chat(`"tools": [{"type": "function", "function": {"name": "f", "parameters": {"$ref": "#"}}}]`), [200, 400]],
			['/v1/chat/completions', chat(`"stream": true`), [200]],
			// A stream too: a request it would refuse is a 400 before the stream starts, not a 200 that ends in an error.
			['/v1/chat/completions', chat(`"stream": true, "tools": [{"type": "function", "function": {"name": "f", "parameters": ${deepSchema(3000)}}}]`), [400]],
			['/v1/chat/completions', chat(`"stream": true, "response_format": {"type": "json_schema", "json_schema": {"schema": ${deepSchema(3000)}}}`), [400]],
			['/v1/chat/completions', chat(`"stream": true, "tool_choice": {"type": "function", "function": {"name": "nope"}}, "tools": [{"type": "function", "function": {"name": "f"}}]`), [400]],
			[
				'/v1/chat/completions',
				JSON.stringify({ model: KEPT_MODEL, stream: true, max_tokens: 2, messages: [{ role: 'tool', content: 'x', tool_call_id: 'unknown' }] }),
				[400]
			],
			// Longer than the model's context: cut to fit (or refused), never a crash.
			['/v1/embeddings', JSON.stringify({ model: KEPT_MODEL, input: 'word '.repeat(20_000) }), [200, 400]],
			['/v1/completions', JSON.stringify({ model: KEPT_MODEL, prompt: 'word '.repeat(20_000), max_tokens: 2 }), [200, 400]]
		];
		await sweep(cases, async ([p, body, allowed]) => {
			const res = await send('POST', p, { token: admin.token, body });
			return allowed.includes(res.status as number) ? null : `${p} ${body.slice(0, 150)}: ${describeReply(res)}`;
		});
		expect((await call(server, 'GET', '/health')).status).toBe(200);
	});
});

describe('across users', () => {
	it("API keys: a user neither sees nor revokes another user's key", async () => {
		const created = await call(server, 'POST', '/api/auth/api-keys', { token: user.token, body: { name: 'user-key' } });
		expect(created.status).toBe(201);
		secrets.push(created.body.key);
		const id = created.body.id;
		const seen = await call(server, 'GET', '/api/auth/api-keys', { token: other.token });
		expect(seen.status).toBe(200);
		expect(seen.body.map((k: any) => k.id)).not.toContain(id);
		const revoke = await call(server, 'DELETE', `/api/auth/api-keys/${id}`, { token: other.token });
		expect([403, 404]).toContain(revoke.status);
		expect((await call(server, 'GET', '/v1/models', { token: created.body.key })).status).toBe(200);
		// The admin sees every key (SPEC §2).
		const all = await call(server, 'GET', '/api/auth/api-keys', { token: admin.token });
		expect(all.body.map((k: any) => k.id)).toContain(id);
	});

	it('a key limited to some models cannot widen itself: under /api it may only read', async () => {
		const limited = await call(server, 'POST', '/api/auth/api-keys', { token: user.token, body: { name: 'limited', allowed_models: [KEPT_MODEL] } });
		expect(limited.status).toBe(201);
		secrets.push(limited.body.key);
		const key = limited.body.key;
		expect((await call(server, 'GET', '/api/auth/me', { token: key })).status).toBe(200);
		const keysBefore = (await call(server, 'GET', '/api/auth/api-keys', { token: user.token })).body.length;
		const mint = await call(server, 'POST', '/api/auth/api-keys', { token: key, body: { name: 'wider' } });
		expect(mint.status).toBe(403);
		expect(mint.body.code).toBe('restricted_api_key');
		const profile = (await call(server, 'GET', '/api/profiles', { token: key })).body.find((p: any) => p.name === 'sweep-profile');
		const repoint = await call(server, 'PUT', `/api/profiles/${profile.id}`, { token: key, body: { model_id: 'other/repo/any.gguf' } });
		expect(repoint.status).toBe(403);
		expect((await call(server, 'GET', '/api/auth/api-keys', { token: user.token })).body.length).toBe(keysBefore);
		expect((await call(server, 'GET', `/api/profiles/${profile.id}`, { token: user.token })).body.model_id).toBe(KEPT_MODEL);
	});

	it("downloads are shared machine state: everyone sees them, only the owner or an admin controls them", async () => {
		const repo = 'test-org/tiny-llama-GGUF';
		const file = 'tiny-llama-Q8_0.gguf';
		hub.setMode({ throttle: 20_000 }, `${repo}/${file}`);
		const started = await call(server, 'POST', '/api/models/download', { token: user.token, body: { repo, file } });
		expect(started.status).toBe(202);
		const { download_id: id, task_id: task } = started.body;
		const status = async () => (await call(server, 'GET', `/api/models/download/${task}/status`, { token: user.token })).body.status;
		const state = await status();
		expect(['pending', 'downloading']).toContain(state);

		const active = await call(server, 'GET', '/api/models/downloads/active', { token: other.token });
		expect(active.body.map((d: any) => d.download_id)).toContain(id);
		for (const action of ['pause', 'cancel']) {
			expect((await call(server, 'POST', `/api/models/download/${id}/${action}`)).status, action).toBe(401);
			const foreign = await call(server, 'POST', `/api/models/download/${id}/${action}`, { token: other.token });
			expect(foreign.status, action).toBe(403);
			expect(foreign.body.code).toBe('not_owner');
		}
		expect(['pending', 'downloading']).toContain(await status());
		// The admin may stop anyone's download.
		const cancelled = await call(server, 'POST', `/api/models/download/${id}/cancel`, { token: admin.token });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.status).toBe('cancelled');
		hub.setMode(null, `${repo}/${file}`);
	});

	it("audit rows: a normal user sees only their own, whatever the filter says", async () => {
		expect((await call(server, 'GET', '/v1/models', { token: user.token })).status).toBe(200);
		let adminView: any[] = [];
		for (let i = 0; i < 50 && !adminView.some((r) => r.user_id === user.id); i++) {
			adminView = (await call(server, 'GET', '/api/system/audit-logs', { token: admin.token })).body.items;
			await new Promise((r) => setTimeout(r, 100));
		}
		expect(adminView.some((r) => r.user_id === user.id)).toBe(true);
		for (const query of ['', `?user=${user.id}`, `?user=${encodeURIComponent(user.email)}`]) {
			const list = await call(server, 'GET', `/api/system/audit-logs${query}`, { token: other.token });
			expect(list.status, query).toBe(200);
			expect(list.body.items.filter((r: any) => r.user_id !== other.id), query).toEqual([]);
			const stats = await call(server, 'GET', `/api/system/audit-logs/stats${query}`, { token: other.token });
			expect(stats.status, query).toBe(200);
			expect(JSON.stringify(stats.body), query).not.toContain(user.email);
			const exported = await fetch(`${server.url}/api/system/audit-logs/export${query}${query ? '&' : '?'}format=csv`, {
				headers: { authorization: `Bearer ${other.token}` }
			});
			expect(exported.status, query).toBe(200);
			expect(await exported.text(), query).not.toContain(user.email);
		}
	});

	it('profiles are shared configuration: any approved user reads what another created', async () => {
		const created = await call(server, 'POST', '/api/profiles', { token: user.token, body: { name: 'user-profile', model_id: KEPT_MODEL } });
		expect(created.status).toBe(201);
		const read = await call(server, 'GET', `/api/profiles/${created.body.id}`, { token: other.token });
		expect(read.status).toBe(200);
		expect(read.body.name).toBe('user-profile');
		expect((await call(server, 'GET', `/api/profiles/${created.body.id}`)).status).toBe(401);
	});
});

describe('afterwards', () => {
	it('the server is healthy and its log holds none of the credentials or passwords used', async () => {
		expect((await call(server, 'GET', '/health')).body).toEqual({ status: 'ok' });
		expect((await call(server, 'GET', '/api/auth/me', { token: admin.token })).status).toBe(200);
		const logs = server.logs();
		expect(logs.length).toBeGreaterThan(0);
		const leaked = secrets.filter((s) => s.length >= 8 && logs.includes(s));
		expect(leaked.map((s) => `${s.slice(0, 6)}…`)).toEqual([]);
	});
});
