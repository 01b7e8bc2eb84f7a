import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import * as hub from '$lib/server/hub';

/** Whether a Hub token is set, where from, and its last 4 characters; never the token. */
export const GET = api(({ locals }) => {
	auth.requireAdmin(locals);
	return hub.hubTokenStatus();
});

/**
 * `{token}`: checked against the Hub (whoami), then stored encrypted and used instead of HF_TOKEN.
 * `{token: null}`: the saved token is forgotten.
 */
export const PUT = api(async ({ locals, request }) => {
	auth.requireAdmin(locals);
	const { token } = await readJson(request, hub.HubTokenInput, 4 * 1024);
	if (token === null) return hub.clearHubToken();
	hub.assertOnline();
	return hub.saveHubToken(token);
});
