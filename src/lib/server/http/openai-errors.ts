import { json } from '@sveltejs/kit';

const TYPES: Record<number, string> = {
	400: 'invalid_request_error',
	401: 'invalid_request_error',
	403: 'permission_error',
	404: 'invalid_request_error',
	405: 'invalid_request_error',
	408: 'timeout_error',
	409: 'invalid_request_error',
	413: 'invalid_request_error',
	429: 'rate_limit_error',
	503: 'server_error',
	504: 'timeout_error'
};

/** The OpenAI error envelope `{error: {message, type, param, code}}` used by every `/v1` error. */
export function openAiError(
	status: number,
	message: string,
	code: string | null = null,
	options: { param?: string | null; type?: string; headers?: Record<string, string> } = {}
): Response {
	const type = options.type ?? TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
	return json(
		{ error: { message, type, param: options.param ?? null, code } },
		{ status, headers: options.headers }
	);
}
