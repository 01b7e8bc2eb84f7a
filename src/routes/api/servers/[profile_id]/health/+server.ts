import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import * as servers from '$lib/server/pool/servers';
import * as profiles from '$lib/server/profiles';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) => {
	auth.requireUser(locals);
	return servers.profileHealth(await profiles.getProfile(params.profile_id));
});
