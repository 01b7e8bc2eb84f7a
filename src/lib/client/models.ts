/**
 * Wire shapes of the models API (SPEC §3) and thin same-origin calls to it, for the `/models` page.
 * The browser talks to the same `/api` as any other client.
 */
import { apiFetch } from './api';

export type SortKey = 'downloads' | 'likes' | 'last_modified';

export type {
	DownloadStatus,
	LocalModel,
	ModelConfig,
	RepoFile,
	SearchResult,
	StartedDownload
} from '$lib/types/models';
import type {
	DownloadProgress as WireProgress,
	DownloadStatus,
	LocalModel,
	RepoFile,
	RepoFiles as WireRepoFiles,
	SearchResult
} from '$lib/types/models';

/** What the file picker needs of `GET /api/models/repo/{owner}/{repo}/files`. */
export type RepoFiles = Pick<WireRepoFiles, 'files' | 'recommended' | 'gated' | 'has_access'>;

/** A download tile's data: the progress event, and its task id once known. */
export type DownloadProgress = WireProgress & { task_id?: string };

export type MemoryInfo = { recommended_gb: number; memory_for_models_gb: number; total_gb: number; available_gb: number };

export const TERMINAL: ReadonlySet<DownloadStatus> = new Set(['completed', 'failed', 'cancelled']);

/** Quantizations offered in the filter, most common first. */
export const QUANTIZATIONS = ['Q4_K_M', 'Q4_K_S', 'Q5_K_M', 'Q5_K_S', 'Q6_K', 'Q8_0', 'Q3_K_M', 'Q2_K', 'IQ4_XS', 'F16', 'BF16', 'F32'];

/** Keeps the slashes of an id or repo and encodes each segment. */
export const encodePath = (id: string) => id.split('/').map(encodeURIComponent).join('/');

export function searchModels(params: { query: string; sort: SortKey; maxSizeGb?: number | null; limit?: number }) {
	const qs = new URLSearchParams({ query: params.query, sort: params.sort, limit: String(params.limit ?? 20) });
	// The server wants a positive limit; a machine with no room left still gets a (tiny) one.
	if (params.maxSizeGb != null) qs.set('max_size_gb', String(Math.max(params.maxSizeGb, 0.01)));
	return apiFetch<SearchResult[]>(`/api/models/search?${qs}`);
}

/** Accepts a bare list or `{files, recommended}`, with `recommended` as a file name or a per-file flag. */
export function normalizeRepoFiles(body: unknown): RepoFiles {
	const raw = body as { files?: unknown[]; recommended?: unknown; gated?: unknown; has_access?: unknown } | unknown[];
	const list = (Array.isArray(raw) ? raw : (raw.files ?? [])) as (RepoFile & { recommended?: boolean; parts?: unknown })[];
	const files = list.map((f) => ({
		...f,
		quantization: f.quantization ?? null,
		sha256: f.sha256 ?? null,
		parts: Array.isArray(f.parts) ? f.parts.length : Number(f.parts ?? 1) || 1,
		fits_in_memory: Boolean(f.fits_in_memory)
	}));
	let recommended: string | null = null;
	if (!Array.isArray(raw)) {
		const r = raw.recommended as string | { file?: string } | null | undefined;
		recommended = typeof r === 'string' ? r : (r?.file ?? null);
	}
	recommended ??= list.find((f) => f.recommended === true)?.file ?? null;
	const gated = !Array.isArray(raw) && raw.gated === true;
	return { files, recommended, gated, has_access: !gated || (!Array.isArray(raw) && raw.has_access === true) };
}

export async function listRepoFiles(repo: string): Promise<RepoFiles> {
	return normalizeRepoFiles(await apiFetch(`/api/models/repo/${encodePath(repo)}/files`));
}

export const startDownload = (repo: string, file?: string) =>
	apiFetch<{ task_id: string; download_id: string; model_id: string; status?: DownloadStatus }>('/api/models/download', {
		method: 'POST',
		body: file ? { repo, file } : { repo }
	});

export const listActiveDownloads = () => apiFetch<DownloadProgress[]>('/api/models/downloads/active');

export const controlDownload = (downloadId: string, action: 'pause' | 'resume' | 'cancel') =>
	apiFetch<DownloadProgress>(`/api/models/download/${encodeURIComponent(downloadId)}/${action}`, { method: 'POST' });

export const progressUrl = (taskId: string) => `/api/models/download/${encodeURIComponent(taskId)}/progress`;

export const listLocalModels = () => apiFetch<LocalModel[]>('/api/models/local');

export const deleteLocalModel = (id: string) => apiFetch<{ deleted: boolean }>(`/api/models/${encodePath(id)}`, { method: 'DELETE' });

export const memoryInfo = () => apiFetch<MemoryInfo>('/api/system/memory');

/** Fraction done in [0, 1]; bytes win over `progress`, which may be a fraction or a percentage. */
export function fractionDone(d: Pick<DownloadProgress, 'progress' | 'downloaded_bytes' | 'total_bytes' | 'status'>): number {
	if (d.status === 'completed') return 1;
	if (d.total_bytes > 0) return Math.min(1, Math.max(0, d.downloaded_bytes / d.total_bytes));
	const p = Number(d.progress) || 0;
	return Math.min(1, Math.max(0, p > 1 ? p / 100 : p));
}

export function formatDuration(seconds: number | null | undefined): string {
	if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
	const s = Math.round(seconds);
	if (s < 60) return `${s}s`;
	if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
	return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatCount(n: number | null | undefined): string {
	if (n == null || !Number.isFinite(n)) return '—';
	return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function formatParameters(p: number | string | null | undefined): string | null {
	if (p == null || p === '') return null;
	if (typeof p === 'string') return p;
	if (p >= 1e9) return `${(p / 1e9).toFixed(1)}B params`;
	if (p >= 1e6) return `${(p / 1e6).toFixed(1)}M params`;
	if (p >= 1e3) return `${(p / 1e3).toFixed(1)}K params`;
	return `${p} params`;
}

/** Best-effort quantization of a file name, for the filter when the server gives none. */
export function quantOf(file: Pick<RepoFile, 'file' | 'quantization'>): string | null {
	if (file.quantization) return file.quantization.toUpperCase();
	const m = /(IQ\d_[A-Z]+|Q\d_K(?:_[SML])?|Q\d_\d|BF16|F16|F32)/i.exec(file.file);
	return m ? m[1].toUpperCase() : null;
}
