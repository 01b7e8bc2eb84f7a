import * as auth from '$lib/server/auth';
import { api, noContent } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import * as pool from '$lib/server/pool';
import * as profiles from '$lib/server/profiles';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	auth.requireUser(locals);
	return profiles.toWire(await profiles.getProfile(params.id));
});

export const PUT: RequestHandler = api(async ({ locals, params, request }) => {
	const { user } = auth.requireUser(locals);
	const body = await readJson(request, profiles.UpdateProfile, 256 * 1024);
	return profiles.toWire(await profiles.updateProfile(params.id, body, user));
});

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const { user } = auth.requireUser(locals);
	await profiles.deleteProfile(params.id, user);
	await pool.forgetProfile(params.id);
	return noContent();
});
