import { z } from 'zod';
import type { DownloadStatus } from './state';

export const StartDownload = z.object({
	repo: z.string().min(1).max(300),
	file: z.string().min(1).max(600).optional(),
	revision: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected a branch, tag or commit').optional()
});
export type StartDownload = z.infer<typeof StartDownload>;

export type { DownloadView, StartedDownload } from '$lib/types/models';
