import { AppError } from '../http/errors';

/** A 400 about one request field, named in the OpenAI envelope's `param`. */
export class InvalidParamError extends AppError {
	constructor(message: string, param: string, code = 'invalid_value') {
		super(400, code, message, { extra: { param } });
	}
}

/** A parameter this server understands but cannot honour for this model (never silently ignored). */
export class UnsupportedParamError extends InvalidParamError {
	constructor(param: string, why: string) {
		super(`${param} is not supported: ${why}`, param, 'unsupported_parameter');
	}
}
