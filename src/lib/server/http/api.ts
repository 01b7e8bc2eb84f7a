import { json, type RequestEvent } from '@sveltejs/kit';
import { AppError } from './errors';
import { log } from '../log';

/** The `/api` error body: `{detail, code, ...extra}`. */
export function errorResponse(err: AppError): Response {
	return json(
		{ detail: err.message, code: err.code, ...err.extra },
		{ status: err.status, headers: err.headers }
	);
}

export function toApiResponse(err: unknown): Response {
	if (err instanceof AppError) return errorResponse(err);
	log.error('unhandled error in API handler', { error: err instanceof Error ? err.stack : String(err) });
	return json({ detail: 'Internal server error', code: 'internal_error' }, { status: 500 });
}

/**
 * Wraps an `/api` handler: a returned value becomes JSON (a `Response` passes through), a thrown
 * `AppError` becomes its status and body, anything else a logged 500.
 */
export function api<E extends RequestEvent>(handler: (event: E) => unknown | Promise<unknown>) {
	return async (event: E): Promise<Response> => {
		try {
			const result = await handler(event);
			if (result instanceof Response) return result;
			if (result === undefined) return new Response(null, { status: 204 });
			return json(result);
		} catch (err) {
			return toApiResponse(err);
		}
	};
}

/** JSON with an explicit status, e.g. `created(body)` for 201. */
export function created(body: unknown): Response {
	return json(body, { status: 201 });
}

export function accepted(body: unknown): Response {
	return json(body, { status: 202 });
}

export function noContent(): Response {
	return new Response(null, { status: 204 });
}
