import * as auth from '$lib/server/auth';
import { api, created } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import * as profiles from '$lib/server/profiles';

export const GET = api(async ({ locals }) => {
	auth.requireUser(locals);
	return (await profiles.listProfiles()).map(profiles.toWire);
});

export const POST = api(async ({ locals, request }) => {
	const { user } = auth.requireUser(locals);
	const body = await readJson(request, profiles.CreateProfile, 256 * 1024);
	return created(profiles.toWire(await profiles.createProfile(body, user.id)));
});
