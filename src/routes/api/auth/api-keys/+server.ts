import * as auth from '$lib/server/auth';
import { api, created } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

export const GET = api(async ({ locals }) => {
	const caller = auth.requireUser(locals);
	return auth.listApiKeys(caller.user.id, caller.user.isAdmin);
});

export const POST = api(async ({ locals, request }) => {
	const caller = auth.requireUser(locals);
	const body = await readJson(request, auth.CreateApiKey, 64 * 1024);
	return created(await auth.createApiKey(caller.user.id, body.name, body.allowed_models ?? null));
});
