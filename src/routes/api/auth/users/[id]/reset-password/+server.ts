import type { RequestHandler } from './$types';
import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';

export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	auth.requireAdmin(locals);
	const { password } = await readJson(request, auth.ResetPassword, 16 * 1024);
	await auth.resetPassword(params.id, password);
	return { reset: true };
});
