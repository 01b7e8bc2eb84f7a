import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';

export const GET = api(async ({ locals }) => {
	auth.requireAdmin(locals);
	return (await auth.listUsers()).map(auth.toUserPublic);
});
