/** A repo's files with sizes and SHA-256 from the Hub's LFS metadata, grouped into GGUF models. */
import { log } from '../log';
import { repoAccess } from './access';
import { HubUnavailableError, encodePath } from './client';
import { hubJson } from './fetch';
import { groupGgufFiles, recommendFile, type FileEntry, type GgufGroup } from './quant';
import { treeFile } from './untrusted';

/** Every file of a repo (recursively), following the tree endpoint's pagination. */
export async function listRepoFiles(repo: string, revision = 'main', signal?: AbortSignal): Promise<FileEntry[]> {
	const files: FileEntry[] = [];
	let url: string | null = `/api/models/${encodePath(repo)}/tree/${encodeURIComponent(revision)}?recursive=true`;
	for (let page = 0; url && page < 50; page++) {
		const { data, response }: { data: unknown; response: { headers: Headers } } = await hubJson<unknown>(url, {
			signal,
			what: `repo ${repo}`
		});
		if (!Array.isArray(data)) throw new HubUnavailableError(`unexpected answer for the files of ${repo}`);
		const rejected: string[] = [];
		for (const entry of data) {
			const result = treeFile(entry);
			if (result && 'file' in result) files.push(result.file);
			else if (result) rejected.push(result.rejected);
		}
		if (rejected.length > 0) log.warn('hub listing entries refused', { repo, count: rejected.length, first: rejected[0] });
		url = nextLink(response.headers.get('link'));
	}
	return files;
}

function nextLink(header: string | null): string | null {
	const match = header ? /<([^>]+)>;\s*rel="next"/.exec(header) : null;
	return match ? match[1] : null;
}

export type { RepoFile, RepoFiles } from '$lib/types/models';
import type { RepoFile, RepoFiles } from '$lib/types/models';

export function toRepoFile(group: GgufGroup, limitBytes: number): RepoFile {
	return {
		file: group.file,
		size_bytes: group.size_bytes,
		quantization: group.quantization,
		parts: group.parts.length,
		sha256: group.parts[0]?.sha256 ?? null,
		fits_in_memory: group.size_bytes <= limitBytes,
		part_files: group.parts
	};
}

/** The repo's GGUF models (complete split sets only) and the one the app would pick. */
export async function repoGgufFiles(repo: string, limitBytes: number, revision = 'main', signal?: AbortSignal): Promise<RepoFiles> {
	const groups = groupGgufFiles(await listRepoFiles(repo, revision, signal)).filter((g) => g.complete);
	const files = groups.map((g) => toRepoFile(g, limitBytes));
	const access = await repoAccess(repo, revision, files[0]?.file ?? null);
	return { repo, revision, files, recommended: recommendFile(files, limitBytes)?.file ?? null, memory_limit_bytes: limitBytes, ...access };
}
