/**
 * A request in the backend's own protocol: the body goes up as the client sent it (with the
 * backend's model name), the answer comes back as it arrives. A stream is forwarded chunk by chunk
 * and read on the side for the first token and the usage; the client leaving cancels it, which
 * aborts the upstream request through the `/v1` signal.
 */
import { json } from '@sveltejs/kit';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { eventBody } from '../http/event-body';
import { ClientGoneError, RequestTimeoutError, type V1Context } from '../inference/v1';
import { BackendError, readJsonBody, send, type UpstreamResponse } from './client';
import { acquireSlot, recordFailure, recordSuccess } from './health';
import { Skimmer } from './skim';
import type { BackendEntry } from './store';
import { carriesTokens, meterUsage } from './usage';

/** How the calling API writes an error as the last event of a stream. */
export type StreamError = (err: unknown) => string;

export const SSE_HEADERS = {
	'content-type': 'text/event-stream; charset=utf-8',
	'cache-control': 'no-cache, no-transform',
	connection: 'keep-alive',
	'x-accel-buffering': 'no'
};

export function serializeEvent(e: { event?: string; data: string }): string {
	return `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`;
}

/**
 * Sends one request to a backend under its concurrency limit, recording health. Resolves with the
 * started answer and the slot's release (the caller releases when the answer has been read).
 */
export async function openUpstream(ctx: V1Context, backend: BackendEntry, path: string, body: unknown): Promise<{ res: UpstreamResponse; release: () => void }> {
	ctx.meter.backend = backend.row.name;
	const release = await acquireSlot(backend, ctx.signal);
	const t0 = performance.now();
	try {
		const res = await send(backend, path, { body: JSON.stringify(body), signal: ctx.signal, requestId: ctx.requestId });
		recordSuccess(backend.row.id, performance.now() - t0);
		return { res, release };
	} catch (err) {
		release();
		if (err instanceof BackendError && err.unhealthy) recordFailure(backend.row.id, err.message);
		throw err;
	}
}

export const isEventStream = (res: UpstreamResponse) => (res.headers.get('content-type') ?? '').includes('text/event-stream');

/** The answer of a non-streamed request, metered and returned as JSON. */
export async function relayJson(ctx: V1Context, backend: BackendEntry, res: UpstreamResponse, release: () => void): Promise<Response> {
	try {
		const data = await readJsonBody(backend, res);
		meterUsage(ctx.meter, data);
		return json(data, { headers: { 'x-request-id': ctx.requestId } });
	} finally {
		release();
	}
}

export type RelayOptions = {
	/** Drop the usage-only chunk the proxy asked for (`stream_options.include_usage`) but the client did not. */
	dropUsageChunk?: boolean;
	error: StreamError;
};

/** Reads a stream's events as they arrive: meters them and decides which to forward. */
function observer(ctx: V1Context, options: RelayOptions, out: string[]) {
	const onEvent = (e: EventSourceMessage) => {
		if (ctx.meter.ttftMs === null && carriesTokens(e.data)) ctx.firstToken();
		if (e.data.includes('"usage"')) {
			try {
				const data = JSON.parse(e.data);
				meterUsage(ctx.meter, data);
				if (options.dropUsageChunk && Array.isArray(data?.choices) && data.choices.length === 0 && data.usage) return;
			} catch {
				// not JSON: forwarded as is
			}
		}
		if (options.dropUsageChunk) out.push(serializeEvent(e));
	};
	return createParser({ onEvent });
}

/**
 * Forwards an upstream event stream as it arrives, each piece written straight to the client (the
 * same body as the local streams); the `/v1` audit row is written when it really ends.
 */
export function relayStream(ctx: V1Context, backend: BackendEntry, res: UpstreamResponse, release: () => void, options: RelayOptions): Response {
	const finish = ctx.detach();
	const decoder = new TextDecoder();
	const out: string[] = [];
	const parser = observer(ctx, options, out);
	let ended = false;
	const end = (outcome?: unknown) => {
		if (ended) return;
		ended = true;
		release();
		finish(outcome);
	};
	const body = eventBody(ctx.event, () => {
		ctx.abort();
		res.cancel();
		end(new ClientGoneError());
	});
	/** The events kept back from the parser (when the usage chunk may be dropped). */
	const writeKept = () => out.length && body.write(out.splice(0).join(''));
	const forward = (text: string) => {
		if (!text) return;
		parser.feed(text);
		if (!options.dropUsageChunk) body.write(text);
		else writeKept();
	};
	const skimmer = new Skimmer(() => ctx.meter.ttftMs === null);
	void (async () => {
		try {
			await res.each((piece) => {
				if (skimmer.skips(piece)) body.write(piece);
				else forward(decoder.decode(piece, { stream: true }));
			});
			forward(decoder.decode());
			parser.reset({ consume: true });
			writeKept();
			body.close();
			end();
		} catch (err) {
			if (ended) return;
			const reason = ctx.signal.aborted ? ctx.signal.reason : new BackendError(backend.row.name, 'network', `the stream broke off: ${String((err as Error)?.message ?? err)}`);
			if (!(reason instanceof ClientGoneError)) {
				body.write(options.error(reason instanceof RequestTimeoutError || reason instanceof BackendError ? reason : err));
				body.close();
			}
			end(reason);
		}
	})();
	return new Response(body.body, { headers: { ...SSE_HEADERS, 'x-request-id': ctx.requestId } });
}
