import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { startApp } from '$lib/server/app';
import { ConfigError } from '$lib/server/config';
import { authenticate } from '$lib/server/http/authenticate';
import { refuseUnknownHost } from '$lib/server/http/hosts';
import { withSecurityHeaders } from '$lib/server/http/security-headers';
import { answerPreflight, finishV1Response } from '$lib/server/http/v1-edge';
import { log } from '$lib/server/log';

export const init: ServerInit = async () => {
	if (building) return;
	try {
		await startApp();
	} catch (err) {
		// A bad setting or an unreachable database stops start-up with a message naming the cause.
		const message = err instanceof ConfigError ? err.message : `Start-up failed: ${String(err)}`;
		log.error(message);
		process.exit(1);
	}
};

export const handle: Handle = async ({ event, resolve }) => {
	const refused = refuseUnknownHost(event.request) ?? answerPreflight(event) ?? (await authenticate(event));
	return withSecurityHeaders(event, finishV1Response(event, refused ?? (await resolve(event))));
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) {
		log.error('unhandled error', {
			path: event.url.pathname,
			error: error instanceof Error ? error.stack : String(error)
		});
	}
	return { message: status === 404 ? 'Not found' : 'Internal server error' };
};
