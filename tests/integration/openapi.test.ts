import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRoutes, endpointsOf } from '../helpers/routes';
import { call, startServer, type TestServer } from '../helpers/server';

let server: TestServer;
let doc: any;

/** `/api/models/[...id]` → `/api/models/{id}`, as the document spells paths. */
const openApiPath = (route: string) => route.replace(/\[(?:\.\.\.)?([A-Za-z_]\w*)\]/g, '{$1}');

beforeAll(async () => {
	server = await startServer();
	const res = await call(server, 'GET', '/api/openapi.json');
	expect(res.status).toBe(200);
	doc = res.body;
});
afterAll(async () => {
	await server?.stop();
});

describe('/api/openapi.json', () => {
	it('is public: no credential needed, and a bad one is ignored', async () => {
		expect((await call(server, 'GET', '/api/openapi.json', { token: 'not-a-valid-token' })).status).toBe(200);
		expect(doc.info.title).toBe('LLM Manager');
	});

	it('validates as OpenAPI 3.1', async () => {
		const validator = new Validator();
		const result = await validator.validate(structuredClone(doc));
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
		expect(validator.version).toBe('3.1');
	});

	it('covers every route file under /api and /v1, and documents no route that does not exist', () => {
		const endpoints = endpointsOf(discoverRoutes());
		expect(endpoints.length).toBeGreaterThan(50);
		const missing = endpoints
			.filter((e) => !doc.paths[openApiPath(e.route.id)]?.[e.method.toLowerCase()])
			.map((e) => `${e.method} ${e.route.id}`);
		expect(missing, 'add these to src/lib/server/openapi/{api,v1}-operations.ts').toEqual([]);
		const existing = new Set(endpoints.map((e) => `${e.method.toLowerCase()} ${openApiPath(e.route.id)}`));
		const stale = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
			.filter(([path]) => path.startsWith('/api') || path.startsWith('/v1'))
			.flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
			.filter((op) => !existing.has(op));
		expect(stale).toEqual([]);
	});

	it('takes its request schemas from the endpoints’ own validation', () => {
		const register = doc.paths['/api/auth/register'].post.requestBody.content['application/json'].schema;
		expect(register.required).toEqual(expect.arrayContaining(['email', 'password']));
		expect(register.properties.password).toMatchObject({ type: 'string', maxLength: 128 });
		expect(register.properties.password.minLength).toBeGreaterThanOrEqual(8);
		const chat = doc.paths['/v1/chat/completions'].post.requestBody.content['application/json'].schema;
		expect(chat.properties).toHaveProperty('messages');
		expect(chat.properties).toHaveProperty('model');
		const search = doc.paths['/api/models/search'].get.parameters.map((p: any) => p.name);
		expect(search).toEqual(expect.arrayContaining(['query', 'limit']));
		expect(doc.paths['/api/models/{id}'].delete.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
		// Who may call what.
		expect(doc.paths['/api/auth/login'].post.security).toEqual([]);
		expect(doc.paths['/api/auth/users'].get.description).toContain('Administrators only');
		expect(doc.paths['/v1/models'].get.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
	});
});

describe('/docs', () => {
	it('serves the reference page and its scripts from the app itself, under a CSP', async () => {
		const page = await fetch(`${server.url}/docs`);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-type')).toContain('text/html');
		expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
		const html = await page.text();
		const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((s) => s !== '/favicon.svg');
		expect(sources.length).toBeGreaterThanOrEqual(3);
		for (const source of sources) {
			expect(source.startsWith('/docs/'), source).toBe(true);
			const asset = await fetch(`${server.url}${source}`);
			expect(asset.status, source).toBe(200);
			expect((await asset.text()).length, source).toBeGreaterThan(10);
		}
		for (const bad of ['package.json', '..%2Fpackage.json', 'index.html', 'swagger-ui-bundle.js.map']) {
			expect((await fetch(`${server.url}/docs/${bad}`)).status, bad).toBe(404);
		}
	});
});
