import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { NotFoundError } from '$lib/server/http/errors';
import * as library from '$lib/server/library';
import type { RequestHandler } from './$types';

/** `DELETE /api/models/{owner}/{repo}/{file}.gguf` (the id keeps its slashes). */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const { user } = requireUser(locals);
	return library.deleteModel(params.id, user);
});

// Nothing else lives under /api/models/…: other paths (e.g. the removed /available-parsers) are 404,
// but only to a signed-in caller: without a credential it is 401 like the rest of /api.
const notFound: RequestHandler = api(({ locals, url }) => {
	requireUser(locals);
	throw new NotFoundError(`Not found: ${url.pathname}`);
});
export const GET = notFound;
export const fallback = notFound;
