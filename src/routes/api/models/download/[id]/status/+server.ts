import { requireUser } from '$lib/server/auth';
import { getDownloadManager } from '$lib/server/downloads';
import { api } from '$lib/server/http/api';
import { NotFoundError } from '$lib/server/http/errors';
import type { RequestHandler } from './$types';

/** The same object as the progress events, for polling. `id` is the task id. */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireUser(locals);
	const view = await getDownloadManager().viewByTask(params.id);
	if (!view) throw new NotFoundError('Task not found', 'task_not_found');
	return view;
});
