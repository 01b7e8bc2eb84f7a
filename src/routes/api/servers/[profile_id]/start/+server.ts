import * as auth from '$lib/server/auth';
import { accepted, api } from '$lib/server/http/api';
import * as servers from '$lib/server/pool/servers';
import * as profiles from '$lib/server/profiles';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ locals, params }) => {
	auth.requireUser(locals);
	return accepted(await servers.startServer(await profiles.getProfile(params.profile_id)));
});
