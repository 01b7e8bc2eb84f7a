import { requireUser } from '$lib/server/auth';
import { getDownloadManager } from '$lib/server/downloads';
import { api } from '$lib/server/http/api';
import type { RequestHandler } from './$types';

/** Every pending, downloading or paused download, with its task id (a reloaded page reconnects). */
export const GET: RequestHandler = api(async ({ locals }) => {
	requireUser(locals);
	return getDownloadManager().listActive();
});
