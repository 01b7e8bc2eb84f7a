/**
 * The `/v1` entry for remote backends: `routed(api, local)` wraps an endpoint's local handler. When
 * the requested model routes to a backend, the request is proxied there (falling back on a failure
 * before the answer starts, or when the backend is down); otherwise the local handler runs with the
 * body as it was sent. With no backend configured the local handler runs untouched.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { BadRequestError } from '../http/errors';
import { readBodyText } from '../http/parse';
import { V1_BODY_LIMIT } from '../inference/chat-api';
import type { V1Context } from '../inference/v1';
import { anthropicStreamError, chatViaAnthropic, messagesViaChat, openAiStreamError } from './translate';
import { BackendError } from './client';
import { isDown } from './health';
import { responsesViaChat } from './responses';
import { isEventStream, openUpstream, relayJson, relayStream } from './passthrough';
import { checkAllowed, hasRemote, remoteRouteFor, type RemoteRoute } from './route';
import type { BackendEntry } from './store';

export type Api = 'chat' | 'completions' | 'embeddings' | 'responses' | 'messages' | 'count_tokens';
type Handler = (ctx: V1Context) => Promise<Response>;
type Body = Record<string, unknown> & { model: string; stream?: unknown; stream_options?: unknown };

const OPENAI_PATHS: Partial<Record<Api, string>> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings', responses: '/responses' };
const ANTHROPIC_PATHS: Partial<Record<Api, string>> = { messages: '/messages', count_tokens: '/messages/count_tokens' };

/** The context with a fresh request holding the body already read (same URL, headers and method). */
function withBody(ctx: V1Context, text: string): V1Context {
	const original = ctx.event.request;
	const request = new Request(original.url, { method: original.method, headers: original.headers, body: text });
	const event = Object.create(ctx.event, { request: { value: request, enumerable: true } }) as RequestEvent;
	return { ...ctx, event };
}

function parseBody(text: string): Body | null {
	try {
		const value = JSON.parse(text);
		return value && typeof value === 'object' && !Array.isArray(value) && typeof value.model === 'string' ? value : null;
	} catch {
		return null;
	}
}

/** Passes the request through in the backend's own protocol. */
async function passThrough(ctx: V1Context, api: Api, backend: BackendEntry, path: string, body: Body, model: string): Promise<Response> {
	const upstream: Body = { ...body, model };
	const streamed = body.stream === true;
	const options = (body.stream_options ?? {}) as { include_usage?: boolean };
	// Usage comes at the end of a chat or completions stream only when asked for: ask, and hide it if the client did not.
	const dropUsageChunk = streamed && (api === 'chat' || api === 'completions') && options.include_usage !== true;
	if (dropUsageChunk) upstream.stream_options = { ...options, include_usage: true };
	const { res, release } = await openUpstream(ctx, backend, path, upstream);
	if (!streamed || !isEventStream(res)) return relayJson(ctx, backend, res, release);
	const error = api === 'messages' ? anthropicStreamError : openAiStreamError;
	return relayStream(ctx, backend, res, release, { dropUsageChunk, error });
}

async function attempt(ctx: V1Context, api: Api, backend: BackendEntry, body: Body, model: string): Promise<Response> {
	const own = (backend.row.kind === 'anthropic' ? ANTHROPIC_PATHS : OPENAI_PATHS)[api];
	if (own && api === 'responses') {
		try {
			return await passThrough(ctx, api, backend, own, body, model);
		} catch (err) {
			// A server without the Responses API (llama-server, Ollama…): through its chat completions instead.
			if (err instanceof BackendError && (err.upstreamStatus === 404 || err.upstreamStatus === 405) && !ctx.signal.aborted) {
				return responsesViaChat(ctx, backend, body, model);
			}
			throw err;
		}
	}
	if (own) return passThrough(ctx, api, backend, own, body, model);
	if (backend.row.kind === 'anthropic' && api === 'chat') return chatViaAnthropic(ctx, backend, body, model);
	if (backend.row.kind === 'anthropic' && api === 'responses') return responsesViaChat(ctx, backend, body, model);
	if (backend.row.kind === 'openai-compatible' && api === 'messages') return messagesViaChat(ctx, backend, body, model);
	throw new BadRequestError(`The backend '${backend.row.name}' (${backend.row.kind}) does not serve this endpoint`, 'unsupported_endpoint');
}

/** The primary, then the fallback on a failure before the answer started; a down primary is skipped when there is a fallback. */
async function serve(ctx: V1Context, api: Api, body: Body, route: RemoteRoute): Promise<Response> {
	const order = [route.backend, ...(route.fallback ? [route.fallback] : [])];
	if (route.fallback && isDown(route.backend.row.id) && !isDown(route.fallback.row.id)) order.shift();
	for (let i = 0; ; i++) {
		const backend = order[i];
		try {
			return await attempt(ctx, api, backend, body, route.model);
		} catch (err) {
			if (i + 1 < order.length && err instanceof BackendError && err.retryable && !ctx.signal.aborted) continue;
			throw err;
		}
	}
}

export function routed(api: Api, local: Handler): Handler {
	return async (ctx) => {
		if (!hasRemote()) return local(ctx);
		const text = await readBodyText(ctx.event.request, V1_BODY_LIMIT);
		const body = parseBody(text);
		const route = body ? await remoteRouteFor(body.model) : null;
		if (!body || !route) return local(withBody(ctx, text));
		ctx.meter.model = body.model;
		checkAllowed(ctx.caller, body.model);
		return serve(ctx, api, body, route);
	};
}
