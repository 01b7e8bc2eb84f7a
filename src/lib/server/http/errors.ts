/**
 * Typed errors thrown by domain code. One mapper at the edge (`api.ts`, `/v1`'s `openai.ts`) turns them
 * into status codes and the error bodies of the API contract.
 */
export class AppError extends Error {
	readonly status: number;
	readonly code: string;
	readonly extra: Record<string, unknown>;
	readonly headers: Record<string, string>;

	constructor(
		status: number,
		code: string,
		message: string,
		options: { extra?: Record<string, unknown>; headers?: Record<string, string> } = {}
	) {
		super(message);
		this.name = new.target.name;
		this.status = status;
		this.code = code;
		this.extra = options.extra ?? {};
		this.headers = options.headers ?? {};
	}
}

export type ValidationIssue = { path: string; message: string };

export class ValidationError extends AppError {
	readonly issues: ValidationIssue[];
	constructor(message: string, issues: ValidationIssue[] = []) {
		super(400, 'invalid_request', message, { extra: { issues } });
		this.issues = issues;
	}
}

export class BadRequestError extends AppError {
	constructor(message: string, code = 'bad_request') {
		super(400, code, message);
	}
}

export class UnauthorizedError extends AppError {
	constructor(message = 'Not authenticated', code = 'unauthorized') {
		super(401, code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
	}
}

export class ForbiddenError extends AppError {
	constructor(message = 'Forbidden', code = 'forbidden') {
		super(403, code, message);
	}
}

export class NotFoundError extends AppError {
	constructor(message = 'Not found', code = 'not_found') {
		super(404, code, message);
	}
}

export class ConflictError extends AppError {
	constructor(message: string, code = 'conflict', extra?: Record<string, unknown>) {
		super(409, code, message, { extra });
	}
}

export class PayloadTooLargeError extends AppError {
	constructor(limitBytes: number) {
		super(413, 'payload_too_large', `Request body is larger than ${limitBytes} bytes`);
	}
}

/** "in 15 minutes", "in 1 minute", "in 40 seconds": what a person reads in a rate-limit message. */
export function describeWait(seconds: number): string {
	if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
	const minutes = Math.ceil(seconds / 60);
	return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export class RateLimitedError extends AppError {
	constructor(retryAfterSeconds: number, what = 'Too many failed attempts') {
		super(429, 'rate_limited', `${what}. Try again ${describeWait(retryAfterSeconds)}.`, {
			headers: { 'Retry-After': String(retryAfterSeconds) },
			extra: { retry_after: retryAfterSeconds }
		});
	}
}

export class BadGatewayError extends AppError {
	constructor(message: string, code = 'bad_gateway') {
		super(502, code, message);
	}
}

export class ServiceUnavailableError extends AppError {
	constructor(message: string, code = 'service_unavailable', extra?: Record<string, unknown>) {
		super(503, code, message, { extra });
	}
}

export class InsufficientStorageError extends AppError {
	constructor(message: string, extra?: Record<string, unknown>) {
		super(507, 'insufficient_storage', message, { extra });
	}
}
