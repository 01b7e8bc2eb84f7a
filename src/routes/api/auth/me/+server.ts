import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { NotFoundError } from '$lib/server/http/errors';

export const GET = api(async ({ locals }) => {
	const caller = auth.requireUser(locals);
	const user = await auth.findUser(caller.user.id);
	if (!user) throw new NotFoundError('User not found');
	return auth.toUserPublic(user);
});
