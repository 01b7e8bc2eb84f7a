import * as audit from '$lib/server/audit';
import { requireUser } from '$lib/server/auth';
import { api } from '$lib/server/http/api';
import { readQuery } from '$lib/server/http/parse';

/** A streamed CSV or JSONL download of every row matching the filters (a plain link works). */
export const GET = api(async ({ locals, url }) => {
	const caller = requireUser(locals);
	return audit.exportAuditLogs(caller, readQuery(url, audit.AuditExportQuery));
});
