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
	// A request made inside another (SvelteKit's `event.fetch`, or the chat page's generation running
	// the /v1 handler on a request of its own) shares the outer request's platform: its Node response
	// is only ours when it answers this very request.
	if (!req) return null;
	const url = new URL(event.request.url);
	if (req.url !== url.pathname + url.search) return null;
	return req[NODE_RESPONSE] ?? null;
}
