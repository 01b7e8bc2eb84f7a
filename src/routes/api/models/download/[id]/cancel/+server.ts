import { requireUser } from '$lib/server/auth';
import { getDownloadManager } from '$lib/server/downloads';
import { api } from '$lib/server/http/api';
import type { RequestHandler } from './$types';

/** `id` is the download id. Illegal moves answer 409 naming the current state. */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	const { user } = requireUser(locals);
	return getDownloadManager().cancel(params.id, { id: user.id, isAdmin: user.isAdmin });
});
