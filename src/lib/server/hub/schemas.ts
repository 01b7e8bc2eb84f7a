import { z } from 'zod';
import { SEARCH_SORTS } from './search';

export const SearchQuery = z.object({
	query: z.string().max(200).default(''),
	limit: z.coerce.number().int().min(1).max(100).default(20),
	max_size_gb: z.coerce.number().positive().max(100_000).optional(),
	sort: z.enum(SEARCH_SORTS as [string, ...string[]]).default('downloads')
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const FilesQuery = z.object({
	// `.` and `..` would be path segments in the Hub URL (`…/tree/..` names another Hub endpoint).
	revision: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/, 'expected a branch, tag or commit').default('main')
});
export type FilesQuery = z.infer<typeof FilesQuery>;
