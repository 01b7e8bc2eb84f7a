import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import * as system from '$lib/server/system';

export const GET = api(async ({ locals }) => {
	requireUser(locals);
	return system.memoryInfo();
});
