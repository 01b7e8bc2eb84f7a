/** What an administrator sends to configure remote backends and routing rules (`/api/backends`, `/api/routing`). */
import { z } from 'zod';

export const BACKEND_KINDS = ['openai-compatible', 'anthropic'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];
export const MATCH_TYPES = ['exact', 'prefix', 'glob', 'regex'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];

/** Headers the proxy sets itself or that belong to one hop only: never configurable. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive', 'te', 'trailer', 'cookie']);

const name = z
	.string()
	.trim()
	.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit');

/** http(s) only, no credentials in the URL (they would be shown): the key goes in `api_key`. */
const baseUrl = z
	.string()
	.trim()
	.max(2048)
	.transform((value, ctx) => {
		let url: URL;
		try {
			url = new URL(value);
		} catch {
			ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
			return z.NEVER;
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') {
			ctx.addIssue({ code: 'custom', message: 'must use http:// or https://' });
			return z.NEVER;
		}
		if (url.username || url.password) {
			ctx.addIssue({ code: 'custom', message: 'must not contain credentials: put the key in api_key' });
			return z.NEVER;
		}
		if (url.search || url.hash) {
			ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
			return z.NEVER;
		}
		return url.toString().replace(/\/+$/, '');
	});

const apiKey = z
	.string()
	.trim()
	.min(1, 'must not be empty (send null to remove the key)')
	.max(4096)
	.regex(/^[\x21-\x7e]+$/, 'must be one word of printable characters');

const headers = z
	.record(
		z
			.string()
			.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be a valid header name')
			.refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), 'is set by the server and cannot be configured'),
		z.string().max(4096).regex(/^[\x20-\x7e]*$/, 'must be printable ASCII')
	)
	.refine((h) => Object.keys(h).length <= 32, 'at most 32 headers');

const modelName = z.string().trim().min(1).max(256);

const fields = {
	name,
	kind: z.enum(BACKEND_KINDS),
	base_url: baseUrl,
	/** null removes the key; absent keeps it. */
	api_key: apiKey.nullable(),
	/** Replaces every extra header; `{}` removes them. */
	extra_headers: headers,
	prefix: z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, dots, dashes or underscores')]),
	models: z.array(modelName).max(1000),
	/** Until the backend's answer starts (its headers). The `/v1` request time limit still applies. */
	timeout_ms: z.number().int().min(500).max(3_600_000),
	/** 0 = no limit; more requests wait for a free slot. */
	max_concurrent: z.number().int().min(0).max(10_000),
	enabled: z.boolean()
};

export const CreateBackend = z.strictObject({
	name: fields.name,
	kind: fields.kind.default('openai-compatible'),
	base_url: fields.base_url,
	api_key: fields.api_key.optional(),
	extra_headers: fields.extra_headers.optional(),
	prefix: fields.prefix.default(''),
	models: fields.models.default([]),
	timeout_ms: fields.timeout_ms.default(60_000),
	max_concurrent: fields.max_concurrent.default(0),
	enabled: fields.enabled.default(true)
});
export type CreateBackend = z.infer<typeof CreateBackend>;

export const UpdateBackend = z.strictObject({
	name: fields.name.optional(),
	kind: fields.kind.optional(),
	base_url: fields.base_url.optional(),
	api_key: fields.api_key.optional(),
	extra_headers: fields.extra_headers.optional(),
	prefix: fields.prefix.optional(),
	models: fields.models.optional(),
	timeout_ms: fields.timeout_ms.optional(),
	max_concurrent: fields.max_concurrent.optional(),
	enabled: fields.enabled.optional()
});
export type UpdateBackend = z.infer<typeof UpdateBackend>;

const ruleFields = {
	match_type: z.enum(MATCH_TYPES),
	pattern: z.string().min(1).max(256),
	priority: z.number().int().min(-1_000_000).max(1_000_000),
	backend_id: z.string().min(1).max(64),
	target_model: modelName.nullable(),
	fallback_backend_id: z.string().min(1).max(64).nullable(),
	override_local: z.boolean(),
	enabled: z.boolean()
};

/** A regex pattern must compile. */
function patternCompiles(rule: { match_type?: MatchType; pattern?: string }): boolean {
	if (rule.match_type !== 'regex' || rule.pattern === undefined) return true;
	try {
		new RegExp(rule.pattern);
		return true;
	} catch {
		return false;
	}
}
const badRegex = { message: 'is not a valid regular expression', path: ['pattern'] };

export const CreateRule = z
	.strictObject({
		match_type: ruleFields.match_type,
		pattern: ruleFields.pattern,
		priority: ruleFields.priority.default(0),
		backend_id: ruleFields.backend_id,
		target_model: ruleFields.target_model.default(null),
		fallback_backend_id: ruleFields.fallback_backend_id.default(null),
		override_local: ruleFields.override_local.default(false),
		enabled: ruleFields.enabled.default(true)
	})
	.refine(patternCompiles, badRegex);
export type CreateRule = z.infer<typeof CreateRule>;

export const UpdateRule = z
	.strictObject({
		match_type: ruleFields.match_type.optional(),
		pattern: ruleFields.pattern.optional(),
		priority: ruleFields.priority.optional(),
		backend_id: ruleFields.backend_id.optional(),
		target_model: ruleFields.target_model.optional(),
		fallback_backend_id: ruleFields.fallback_backend_id.optional(),
		override_local: ruleFields.override_local.optional(),
		enabled: ruleFields.enabled.optional()
	})
	.refine(patternCompiles, badRegex);
export type UpdateRule = z.infer<typeof UpdateRule>;

/** `POST /api/routing/test`: where a request for this model would go. */
export const RouteTest = z.strictObject({ model: modelName });
