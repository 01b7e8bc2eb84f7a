import * as auth from '$lib/server/auth';
import { api, created } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';
import * as profiles from '$lib/server/profiles';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ locals, params, url }) => {
	const { user } = auth.requireUser(locals);
	const { new_name } = readQuery(url, profiles.DuplicateQuery);
	return created(profiles.toWire(await profiles.duplicateProfile(params.id, user.id, new_name)));
});
