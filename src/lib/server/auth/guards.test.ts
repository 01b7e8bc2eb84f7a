import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthorizedError } from '../http/errors';
import { requireAdmin, requireUser } from './guards';
import type { Caller } from './types';

function caller(isAdmin: boolean): Caller {
	return {
		user: { id: 'u1', email: 'u@example.com', isAdmin },
		sessionId: 's1',
		apiKeyId: null,
		allowedModels: null,
		method: 'cookie'
	};
}

function thrown(fn: () => unknown): unknown {
	try {
		fn();
	} catch (err) {
		return err;
	}
	throw new Error('expected a throw');
}

describe('guards', () => {
	it('requireUser: anonymous → 401 with WWW-Authenticate', () => {
		const err = thrown(() => requireUser({ caller: null }));
		expect(err).toBeInstanceOf(UnauthorizedError);
		expect(err).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
	});

	it('requireUser returns the caller', () => {
		const c = caller(false);
		expect(requireUser({ caller: c })).toBe(c);
	});

	it('requireAdmin: anonymous → 401', () => {
		expect(thrown(() => requireAdmin({ caller: null }))).toMatchObject({ status: 401 });
	});

	it('requireAdmin: a user who is not an admin → 403', () => {
		const err = thrown(() => requireAdmin({ caller: caller(false) }));
		expect(err).toBeInstanceOf(ForbiddenError);
		expect(err).toMatchObject({ status: 403, code: 'admin_required' });
	});

	it('requireAdmin returns an admin caller', () => {
		const c = caller(true);
		expect(requireAdmin({ caller: c })).toBe(c);
	});
});
