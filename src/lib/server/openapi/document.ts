/**
 * The OpenAPI 3.1 document of `/api` and `/v1`, built from the operation lists and the zod schemas the
 * endpoints validate with (zod 4's JSON Schema output, draft 2020-12 — the dialect of OpenAPI 3.1).
 */
import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/session';
import { apiOperations } from './api-operations';
import type { Access, Operation } from './types';
import { v1Operations } from './v1-operations';

type Json = Record<string, unknown>;

/** `/api/models/[...id]` → `/api/models/{id}`. */
export function openApiPath(route: string): string {
	return route.replace(/\[(?:\.\.\.)?([A-Za-z_]\w*)\]/g, '{$1}');
}

function jsonSchema(schema: z.ZodType): Json {
	// `input`: what a client sends (before defaults and transforms); anything JSON Schema cannot say
	// (a refinement, a custom check) becomes an unconstrained schema rather than an error.
	const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
	delete out.$schema;
	return out;
}

const SECURITY: Record<Access, Json[]> = {
	public: [],
	user: [{ bearer: [] }, { session: [] }],
	admin: [{ bearer: [] }, { session: [] }],
	stream: [{ bearer: [] }, { session: [] }, { queryToken: [] }],
	metrics: [{ bearer: [] }, { session: [] }]
};

const ACCESS_NOTE: Record<Access, string> = {
	public: 'Public.',
	user: 'Any approved user (session cookie, access token or API key).',
	admin: 'Administrators only.',
	stream: 'Any approved user; the access token may also come as `?token=` (EventSource cannot send headers).',
	metrics: 'An administrator, or `Authorization: Bearer <LLM_MANAGER_METRICS_TOKEN>`.'
};

function parameters(op: Operation): Json[] {
	const params: Json[] = [];
	for (const m of op.route.matchAll(/\[(\.\.\.)?([A-Za-z_]\w*)\]/g)) {
		params.push({
			name: m[2],
			in: 'path',
			required: true,
			schema: { type: 'string' },
			...(m[1] ? { description: 'May contain slashes (`owner/repo/file.gguf`): send them unencoded.' } : {})
		});
	}
	if (op.query) {
		const schema = jsonSchema(op.query);
		const required = new Set((schema.required as string[] | undefined) ?? []);
		for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
			params.push({ name, in: 'query', required: required.has(name), schema: property });
		}
	}
	return params;
}

function errorResponses(op: Operation): Json {
	const ref = { $ref: op.route.startsWith('/v1') ? '#/components/schemas/OpenAIError' : '#/components/schemas/ApiError' };
	const content = { 'application/json': { schema: ref } };
	const out: Json = {};
	if (op.body || op.query) out['400'] = { description: 'Invalid request', content };
	if (op.access !== 'public') out['401'] = { description: 'No valid credential', content };
	if (op.access === 'admin' || op.access === 'metrics') out['403'] = { description: 'Not an administrator', content };
	if (op.route.includes('[')) out['404'] = { description: 'Not found', content };
	return out;
}

function operationObject(op: Operation): Json {
	const success = op.success ?? { status: 200, description: 'OK' };
	const contentType = success.contentType ?? 'application/json';
	const out: Json = {
		operationId: `${op.method.toLowerCase()}${openApiPath(op.route).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
		summary: op.summary,
		description: [op.description, ACCESS_NOTE[op.access]].filter(Boolean).join('\n\n'),
		tags: [op.tag],
		security: SECURITY[op.access],
		responses: {
			[String(success.status)]: success.status === 204 ? { description: success.description } : { description: success.description, content: { [contentType]: {} } },
			...errorResponses(op)
		}
	};
	const params = parameters(op);
	if (params.length) out.parameters = params;
	if (op.body) {
		const content: Json = { 'application/json': { schema: jsonSchema(op.body) } };
		if (op.form) content['application/x-www-form-urlencoded'] = { schema: jsonSchema(op.form) };
		out.requestBody = { required: true, content };
	}
	return out;
}

export const OPERATIONS: readonly Operation[] = [...apiOperations, ...v1Operations];

export function buildOpenApiDocument(version: string): Json {
	const paths: Record<string, Json> = {};
	for (const op of OPERATIONS) {
		const path = openApiPath(op.route);
		paths[path] ??= {};
		paths[path][op.method.toLowerCase()] = operationObject(op);
	}
	return {
		openapi: '3.1.0',
		jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
		info: {
			title: 'LLM Manager',
			version,
			description:
				'The JSON API under `/api` (errors: `{"detail", "code"}`) and the OpenAI-compatible API under `/v1` ' +
				'(errors: the OpenAI envelope). Send an API key (`llm_…`) or an access token as `Authorization: Bearer …`.'
		},
		servers: [{ url: '/' }],
		tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
		paths,
		components: {
			securitySchemes: {
				bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`llm_…`) or the access token from `/api/auth/login`.' },
				session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The browser session cookie.' },
				queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'An access token; stream endpoints only.' }
			},
			schemas: {
				ApiError: {
					type: 'object',
					required: ['detail', 'code'],
					properties: {
						detail: { type: 'string' },
						code: { type: 'string' },
						issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } }
					}
				},
				OpenAIError: {
					type: 'object',
					required: ['error'],
					properties: {
						error: {
							type: 'object',
							properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: ['string', 'null'] } }
						}
					}
				}
			}
		}
	};
}
