import { ForbiddenError, UnauthorizedError } from '../http/errors';
import type { Caller } from './types';

/** The approved caller, or 401. */
export function requireUser(locals: { caller: Caller | null }): Caller {
	if (!locals.caller) throw new UnauthorizedError();
	return locals.caller;
}

/** An approved admin, or 401 (anonymous) / 403 (not an admin). */
export function requireAdmin(locals: { caller: Caller | null }): Caller {
	const caller = requireUser(locals);
	if (!caller.user.isAdmin) throw new ForbiddenError('Admin access required', 'admin_required');
	return caller;
}
