import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import * as system from '$lib/server/system';
import { version } from '$app/environment';

export const GET = api(async ({ locals }) => {
	requireUser(locals);
	return system.systemInfo(version);
});
