import * as audit from '$lib/server/audit';
import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';

/** Totals for the same filters as the list. */
export const GET = api(async ({ locals, url }) => {
	const caller = requireUser(locals);
	return audit.auditStats(caller, readQuery(url, audit.AuditFilters));
});
