/** Hub model search, filtered to GGUF repos, with the size of the file the app would pick. */
import { hubJson, hubTimeoutMs } from './fetch';
import { repoGgufFiles } from './files';
import { hubCount, hubRepoId, hubText } from './untrusted';

export type SearchOptions = { query: string; limit: number; sort: string; maxSizeGb?: number; limitBytes: number };

export type { SearchResult } from '$lib/types/models';
import type { SearchResult } from '$lib/types/models';

type HubModel = { id: unknown; author?: unknown; downloads?: unknown; likes?: unknown; lastModified?: unknown; tags?: unknown; gated?: unknown };

const SORTS: Record<string, string> = {
	downloads: 'downloads',
	likes: 'likes',
	last_modified: 'lastModified',
	lastModified: 'lastModified',
	trending: 'trendingScore'
};
export const SEARCH_SORTS = Object.keys(SORTS);

const GIB = 1024 ** 3;
const round2 = (n: number) => Math.round(n * 100) / 100;

export async function searchModels(
	options: SearchOptions,
	isDownloaded: (repo: string) => Promise<boolean>
): Promise<SearchResult[]> {
	const params = new URLSearchParams({
		search: options.query,
		filter: 'gguf',
		sort: SORTS[options.sort] ?? 'downloads',
		direction: '-1',
		limit: String(options.limit),
		full: 'true'
	});
	const { data } = await hubJson<HubModel[]>(`/api/models?${params}`, { what: 'model search' });
	// Ids that would not pass as a request id are dropped: they could never be downloaded anyway.
	const models = (Array.isArray(data) ? data : [])
		.map((m) => ({ ...m, id: hubRepoId(m?.id) }))
		.filter((m): m is HubModel & { id: string } => m.id !== null);
	// The file sizes share one deadline: a slow Hub makes the sizes unknown, not the search slow.
	const budget = AbortSignal.timeout(hubTimeoutMs());
	const sizes = await mapLimit(models, 6, (m) => sizeFacts(m.id, options.limitBytes, budget));
	const results: SearchResult[] = [];
	for (const [i, m] of models.entries()) {
		const size = sizes[i];
		if (options.maxSizeGb !== undefined && size && size.smallest / GIB > options.maxSizeGb) continue;
		results.push({
			model_id: m.id,
			author: hubText(m.author, 100) ?? m.id.split('/')[0],
			downloads: hubCount(m.downloads),
			likes: hubCount(m.likes),
			last_modified: hubText(m.lastModified, 40),
			tags: Array.isArray(m.tags) ? m.tags.map((t) => hubText(t, 100)).filter((t): t is string => t !== null).slice(0, 100) : [],
			estimated_size_gb: size ? round2(size.picked / GIB) : null,
			estimated_size_bytes: size ? size.picked : null,
			is_downloaded: await isDownloaded(m.id).catch(() => false),
			gated: size?.gated ?? Boolean(m.gated),
			has_access: size?.has_access ?? !m.gated
		});
	}
	return results;
}

/** Size of the recommended file and of the smallest one; null when the repo's files cannot be read. */
async function sizeFacts(
	repo: string,
	limitBytes: number,
	signal: AbortSignal
): Promise<{ picked: number; smallest: number; gated: boolean; has_access: boolean } | null> {
	if (signal.aborted) return null;
	try {
		const listing = await repoGgufFiles(repo, limitBytes, 'main', signal);
		if (listing.files.length === 0) return null;
		const picked = listing.files.find((f) => f.file === listing.recommended) ?? listing.files[0];
		return {
			picked: picked.size_bytes,
			smallest: Math.min(...listing.files.map((f) => f.size_bytes)),
			gated: listing.gated,
			has_access: listing.has_access
		};
	} catch {
		return null;
	}
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			out[i] = await fn(items[i]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return out;
}
