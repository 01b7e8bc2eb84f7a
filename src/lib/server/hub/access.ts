/**
 * Gated repos: the Hub lists their files to everyone but serves them only to a token whose account
 * accepted the repo's terms. Whether the current token has access is asked the way the Hub itself
 * answers it: a HEAD request for a file of the repo (following its redirects).
 */
import { HubAccessError, encodePath, resolveUrl } from './client';
import { hubJson, resolveFinal } from './fetch';

export type RepoAccess = {
	/** The Hub requires accepting the repo's terms (and a token). */
	gated: boolean;
	/** The current token may download the repo's files (always true for a repo that is not gated). */
	has_access: boolean;
};

export const GATED_MESSAGE = 'gated — needs a token with access';

/** Whether the current token may download `file` of the repo. */
export async function probeAccess(repo: string, revision: string, file: string): Promise<boolean> {
	try {
		await resolveFinal(resolveUrl(repo, revision, file), { what: `${repo}/${file}` });
		return true;
	} catch (err) {
		if (err instanceof HubAccessError) return false;
		throw err;
	}
}

/** The repo's gate from its model info, and whether the current token gets through it. */
export async function repoAccess(repo: string, revision: string, firstFile: string | null): Promise<RepoAccess> {
	const { data } = await hubJson<{ gated?: unknown }>(`/api/models/${encodePath(repo)}`, { what: `repo ${repo}` });
	const gated = Boolean(data?.gated);
	if (!gated || !firstFile) return { gated, has_access: !gated };
	return { gated, has_access: await probeAccess(repo, revision, firstFile) };
}
