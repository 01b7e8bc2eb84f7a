import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import * as servers from '$lib/server/pool/servers';

export const GET = api(async ({ locals }) => {
	auth.requireUser(locals);
	return servers.embeddedStatus();
});
