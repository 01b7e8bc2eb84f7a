import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestEvent } from '@sveltejs/kit';

/**
 * The production server (`server/index.ts`) leaves each request's Node response on the request
 * object under this key; adapter-node hands the request to endpoints as `event.platform.req`.
 */
export const NODE_RESPONSE = Symbol.for('llm-manager.node-response');

type Tagged = IncomingMessage & { [NODE_RESPONSE]?: ServerResponse };

/** The Node response under a request, when the app runs in its own server (not under Vite). */
export function nodeResponseOf(event: RequestEvent): ServerResponse | null {
	const req = (event.platform as { req?: Tagged } | undefined)?.req;
	// A request SvelteKit makes to itself (`event.fetch`) shares the outer request's platform.
	if (!req || req.url !== event.url.pathname + event.url.search) return null;
	return req[NODE_RESPONSE] ?? null;
}
