import { z } from 'zod';
import type { DownloadStatus } from './state';

export const StartDownload = z.object({
	repo: z.string().min(1).max(300),
	file: z.string().min(1).max(600).optional(),
	revision: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected a branch, tag or commit').optional()
});
export type StartDownload = z.infer<typeof StartDownload>;

/** The SSE event and the `/status` body: one download as the wire sees it. */
export type DownloadView = {
	download_id: string;
	task_id: string;
	model_id: string;
	repo: string;
	file: string;
	status: DownloadStatus;
	/** Percent, 0–100 with one decimal. */
	progress: number;
	downloaded_bytes: number;
	total_bytes: number;
	speed_bps: number;
	eta_seconds: number | null;
	error: string | null;
	parts: number;
	user_id: string | null;
	created_at: string;
	updated_at: string;
	completed_at: string | null;
};

/** `POST /api/models/download` → 202. */
export type StartedDownload = { task_id: string; download_id: string; model_id: string; status: DownloadStatus; existing: boolean };
