import { json } from '@sveltejs/kit';
import { AppError } from '../http/errors';
import { describeError } from '../inference/v1';

/** Anthropic's error types by status (https://docs.anthropic.com/en/api/errors). */
const TYPES: Record<number, string> = {
	400: 'invalid_request_error',
	401: 'authentication_error',
	403: 'permission_error',
	404: 'not_found_error',
	408: 'timeout_error',
	409: 'invalid_request_error',
	413: 'request_too_large',
	429: 'rate_limit_error',
	499: 'api_error',
	503: 'overloaded_error',
	504: 'timeout_error'
};

export function anthropicErrorType(status: number): string {
	return TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The body of an Anthropic error, also the payload of a stream's `error` event. */
export function anthropicErrorBody(status: number, message: string, requestId?: string) {
	return {
		type: 'error' as const,
		error: { type: anthropicErrorType(status), message },
		...(requestId ? { request_id: `req_${requestId}` } : {})
	};
}

/** Anthropic's error envelope `{type: "error", error: {type, message}}` with its status. */
export function anthropicError(status: number, message: string, options: { requestId?: string; headers?: Record<string, string> } = {}): Response {
	return json(anthropicErrorBody(status, message, options.requestId), {
		status,
		headers: { ...options.headers, ...(options.requestId ? { 'request-id': `req_${options.requestId}` } : {}) }
	});
}

/** `/v1/messages`' error format for the shared `/v1` wrapper. */
export function anthropicErrorResponse(err: unknown, requestId: string): Response {
	const d = describeError(err);
	const headers = err instanceof AppError ? err.headers : undefined;
	return anthropicError(d.status, d.message, { requestId, headers });
}

/** Paths answered in Anthropic's shapes. */
export function isAnthropicPath(path: string): boolean {
	return path === '/v1/messages' || path.startsWith('/v1/messages/');
}
