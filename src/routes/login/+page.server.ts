import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import * as auth from '$lib/server/auth';
import { AppError, ValidationError } from '$lib/server/http/errors';
import { validate } from '$lib/server/http/parse';
import type { Actions, PageServerLoad } from './$types';

/** Where to go after signing in: a path on this site only (never `//host` or another origin). */
function safeNext(value: FormDataEntryValue | string | null): string {
	const next = typeof value === 'string' ? value : '';
	return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.caller) redirect(303, safeNext(url.searchParams.get('next')));
	return { firstRun: await auth.noUsersYet(), next: safeNext(url.searchParams.get('next')) };
};

/** What the page says for a refused sign-in or registration. */
function messageFor(err: AppError): string {
	if (err.code === 'account_pending') return 'Your account is pending approval by an administrator.';
	if (err.code === 'account_disabled') return 'This account has been disabled.';
	if (err.status === 401) return 'Incorrect email or password.';
	if (err instanceof ValidationError && err.issues[0]) {
		const { path, message } = err.issues[0];
		return `${path === 'email' ? 'Email' : path === 'password' ? 'Password' : 'Input'} ${message}.`;
	}
	return err.message;
}

async function credentials(request: Request) {
	const form = await request.formData();
	const email = String(form.get('email') ?? '');
	return { email, password: String(form.get('password') ?? ''), next: safeNext(form.get('next')) };
}

async function signIn(event: RequestEvent, email: string, password: string): Promise<void> {
	const { request, cookies, getClientAddress, url } = event;
	const { sessionId } = await auth.login(email, password, getClientAddress(), request.headers.get('user-agent'));
	const cookie = auth.sessionCookie(sessionId, url.protocol === 'https:');
	cookies.set(cookie.name, cookie.value, { ...cookie.attributes, path: '/' });
}

/**
 * Real POST form actions: the page signs in and registers with JavaScript off or not yet loaded,
 * and a password never ends up in a URL. With JavaScript, `use:enhance` submits the same actions.
 */
export const actions: Actions = {
	login: async (event) => {
		const { email, password, next } = await credentials(event.request);
		try {
			validate(auth.Login, { email, password });
			await signIn(event, email, password);
		} catch (err) {
			if (!(err instanceof AppError)) throw err;
			return fail(err.status, { email, next, message: messageFor(err) });
		}
		redirect(303, next);
	},
	register: async (event) => {
		const { email, password, next } = await credentials(event.request);
		try {
			const body = validate(auth.Register, { email, password });
			auth.takeRegistrationTurn(event.getClientAddress());
			const user = await auth.registerUser(body.email, body.password);
			if (user.status !== 'approved') {
				return { email, next, notice: 'Account created. It is pending approval by an administrator.' };
			}
			await signIn(event, body.email, body.password);
		} catch (err) {
			if (!(err instanceof AppError)) throw err;
			return fail(err.status, { email, next, message: messageFor(err) });
		}
		redirect(303, next);
	}
};
