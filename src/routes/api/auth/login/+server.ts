import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readBodyText, validate } from '$lib/server/http/parse';
import { ValidationError } from '$lib/server/http/errors';

/** Reads `{email, password}` JSON or the OAuth2 password form (`username`, `password`). */
async function readCredentials(request: Request): Promise<auth.Login> {
	const text = await readBodyText(request, 16 * 1024);
	const type = request.headers.get('content-type') ?? '';
	if (type.includes('application/x-www-form-urlencoded')) {
		const form = new URLSearchParams(text);
		return validate(auth.Login, { email: form.get('username') ?? form.get('email'), password: form.get('password') });
	}
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new ValidationError('Request body is not valid JSON');
	}
	return validate(auth.Login, value, 'request body');
}

export const POST = api(async ({ request, cookies, getClientAddress, url }) => {
	const { email, password } = await readCredentials(request);
	const { sessionId, ...result } = await auth.login(email, password, getClientAddress(), request.headers.get('user-agent'));
	const cookie = auth.sessionCookie(sessionId, url.protocol === 'https:');
	cookies.set(cookie.name, cookie.value, { ...cookie.attributes, path: '/' });
	return result;
});
