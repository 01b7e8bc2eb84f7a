import * as auth from '$lib/server/auth';
import { api, noContent } from '$lib/server/http/api';

export const POST = api(async ({ locals, cookies, url }) => {
	const caller = auth.requireUser(locals);
	if (caller.sessionId) await auth.logout(caller.sessionId);
	const blank = auth.blankSessionCookie(url.protocol === 'https:');
	cookies.set(blank.name, blank.value, { ...blank.attributes, path: '/' });
	return noContent();
});
