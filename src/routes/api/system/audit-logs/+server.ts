import * as audit from '$lib/server/audit';
import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';

/**
 * Audit rows newest first → `{items, next_cursor, limit}`. Non-admins see only their own rows.
 * Page with `cursor` (keyset, stable while rows are added) or `offset`.
 */
export const GET = api(async ({ locals, url }) => {
	const caller = requireUser(locals);
	return audit.listAuditLogs(caller, readQuery(url, audit.AuditListQuery));
});
