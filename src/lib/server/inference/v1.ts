import type { IncomingMessage } from 'node:http';
import type { RequestEvent } from '@sveltejs/kit';
import * as audit from '../audit';
import type { Caller } from '../auth/types';
import { AppError, ValidationError } from '../http/errors';
import { openAiError } from '../http/openai-errors';
import { requestIdFor } from '../http/v1-edge';
import { log } from '../log';
import { AcquireAbortedError, requestTimeoutMs } from '../pool';

/** What one `/v1` request reports to the audit log when it really ends. Never prompt or output text. */
export type Metering = {
	model: string;
	/** The remote backend that served the request; null for the local pool. */
	backend: string | null;
	ttftMs: number | null;
	promptTokens: number;
	cachedTokens: number;
	completionTokens: number;
};

export type V1Context = {
	event: RequestEvent;
	caller: Caller;
	requestId: string;
	/** Aborts when the client goes away (or the stream is cancelled). */
	signal: AbortSignal;
	/** Marks the time to first token (once). */
	firstToken(): void;
	meter: Metering;
	/** The handler streams: it calls `finish` itself when the stream ends; the wrapper will not. */
	detach(): (outcome?: unknown) => void;
	/** Aborts generation (a cancelled stream). */
	abort(): void;
};

/** The client went away before the request ended. */
export class ClientGoneError extends Error {
	constructor() {
		super('The client closed the connection');
		this.name = 'AbortError';
	}
}

/** The request ran past `LLM_MANAGER_REQUEST_TIMEOUT` (waiting for a model and generating). */
export class RequestTimeoutError extends AppError {
	constructor(timeoutMs: number) {
		super(504, 'timeout', `The request did not finish within ${Math.round(timeoutMs / 100) / 10} s`);
	}
}

/** Maps any error to the OpenAI envelope and the audit status. */
export function describeError(err: unknown): { status: number; code: string; message: string; param: string | null } {
	if (err instanceof ValidationError) {
		// OpenAI's codes: a field left out, or one with a bad value.
		const missing = err.issues.some((i) => /received undefined|required/i.test(i.message));
		return { status: 400, code: missing ? 'missing_required_parameter' : 'invalid_value', message: err.message, param: err.issues[0]?.path || null };
	}
	if (err instanceof AppError) {
		const param = typeof err.extra.param === 'string' ? err.extra.param : null;
		return { status: err.status, code: err.code, message: err.message, param };
	}
	if (err instanceof ClientGoneError || err instanceof AcquireAbortedError) {
		return { status: 499, code: 'cancelled', message: 'The client closed the connection', param: null };
	}
	log.error('unhandled error in /v1', { error: err instanceof Error ? err.stack : String(err) });
	return { status: 500, code: 'internal_error', message: 'Internal server error', param: null };
}

export function errorEnvelope(err: unknown): Response {
	const d = describeError(err);
	const headers = err instanceof AppError ? err.headers : undefined;
	return openAiError(d.status, d.message, d.code, { param: d.param, headers });
}

/** How a `/v1` wire protocol answers an error: its envelope and status. Defaults to OpenAI's. */
export type ErrorFormat = (err: unknown, requestId: string) => Response;

/** No credential on a `/v1` route. */
export class AuthenticationRequiredError extends AppError {
	constructor() {
		super(401, 'missing_api_key', 'Authentication required: send an API key as a Bearer token or in x-api-key');
	}
}

function auditStatus(err: unknown): audit.AuditStatus {
	if (err === undefined) return 'success';
	if (err instanceof ClientGoneError || err instanceof AcquireAbortedError) return 'cancelled';
	const status = err instanceof AppError ? err.status : 500;
	return status === 408 || status === 504 ? 'timeout' : 'error';
}

/**
 * Wraps a `/v1` route: credentials (401 envelope), a request id, the client-gone signal, errors in
 * the OpenAI envelope, and exactly one audit row when the request really ends (for a stream: when
 * its last chunk is sent or the client goes away).
 */
export function v1Route(endpoint: string, handler: (ctx: V1Context) => Promise<Response>, errors: ErrorFormat = errorEnvelope) {
	return async (event: RequestEvent): Promise<Response> => {
		const caller = event.locals.caller;
		const requestId = requestIdFor(event.request);
		const tagged = (response: Response) => {
			if (!response.headers.has('x-request-id')) response.headers.set('x-request-id', requestId);
			return response;
		};
		if (!caller) return tagged(errors(new AuthenticationRequiredError(), requestId));
		const startedAt = new Date();
		const t0 = performance.now();
		const controller = new AbortController();
		const gone = () => controller.abort(new ClientGoneError());
		const socket = (event.platform as { req?: IncomingMessage } | undefined)?.req?.socket;
		socket?.once('close', gone);
		event.request.signal.addEventListener('abort', gone, { once: true });
		const timeoutMs = requestTimeoutMs();
		const timer =
			timeoutMs > 0 ? setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs) : null;
		const meter: Metering = { model: '', backend: null, ttftMs: null, promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
		let finished = false;
		let detached = false;
		const finish = (result?: unknown) => {
			if (finished) return;
			finished = true;
			if (timer) clearTimeout(timer);
			socket?.off('close', gone);
			event.request.signal.removeEventListener('abort', gone);
			// Whatever ended an aborted request (a timeout, the client leaving) is its outcome.
			const outcome = controller.signal.aborted ? controller.signal.reason : result;
			const status = auditStatus(outcome);
			const d = outcome === undefined ? null : describeError(outcome);
			audit.record({
				requestId: ctx.requestId,
				startedAt,
				caller,
				model: meter.model,
				endpoint,
				backend: meter.backend,
				status,
				durationMs: performance.now() - t0,
				ttftMs: meter.ttftMs,
				promptTokens: meter.promptTokens,
				cachedTokens: meter.cachedTokens,
				completionTokens: meter.completionTokens,
				errorType: status === 'success' ? null : (d?.code ?? null),
				errorMessage: status === 'success' ? null : (d?.message ?? null)
			});
		};
		const ctx: V1Context = {
			event,
			caller,
			requestId,
			signal: controller.signal,
			meter,
			firstToken: () => void (meter.ttftMs ??= performance.now() - t0),
			detach: () => ((detached = true), finish),
			abort: gone
		};
		try {
			const response = await handler(ctx);
			if (!detached) finish();
			return tagged(response);
		} catch (err) {
			const outcome = controller.signal.aborted ? controller.signal.reason : err;
			finish(outcome);
			return tagged(errors(outcome, ctx.requestId));
		}
	};
}
