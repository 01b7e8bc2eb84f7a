import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';
import * as servers from '$lib/server/pool/servers';
import * as profiles from '$lib/server/profiles';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ locals, params, url }) => {
	const caller = auth.requireUser(locals);
	const { force } = readQuery(url, servers.StopQuery);
	const profile = await profiles.getProfile(params.profile_id);
	return servers.stopServer(profile, { force: force === 'true', isAdmin: caller.user.isAdmin });
});
