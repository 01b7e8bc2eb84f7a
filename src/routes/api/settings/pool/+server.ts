import * as auth from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readJson } from '$lib/server/http/parse';
import * as pool from '$lib/server/pool';

export const GET = api(async ({ locals }) => {
	auth.requireUser(locals);
	return pool.readPoolSettings();
});

export const PUT = api(async ({ locals, request }) => {
	auth.requireAdmin(locals);
	const body = await readJson(request, pool.PoolSettingsUpdate, 64 * 1024);
	return pool.updatePoolSettings(body);
});
