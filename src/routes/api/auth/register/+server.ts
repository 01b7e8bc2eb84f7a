import * as auth from '$lib/server/auth';
import { api, created } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

export const POST = api(async ({ request, getClientAddress }) => {
	const body = await readJson(request, auth.Register, 16 * 1024);
	auth.takeRegistrationTurn(getClientAddress());
	const user = await auth.registerUser(body.email, body.password);
	return created(auth.toUserPublic(user));
});
