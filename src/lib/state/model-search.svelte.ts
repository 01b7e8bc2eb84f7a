/** Hub search of the `/models` page: query, sort, filters, results and the open repo's files. */
import { ApiError } from '$lib/client/api';
import { listRepoFiles, memoryInfo, quantOf, searchModels, type RepoFile, type RepoFiles, type SearchResult, type SortKey } from '$lib/client/models';

/** Says why the Hub gave nothing: a message, never an empty list. */
export function describeHubError(err: unknown): string {
	if (err instanceof ApiError) {
		if (err.status === 503 || err.code === 'offline') return `The Hugging Face Hub is not available: ${err.message}`;
		if (err.status === 502 || err.code === 'hub_unavailable') return `The Hugging Face Hub could not be reached: ${err.message}`;
		return err.message;
	}
	return 'The server could not be reached.';
}

export class ModelSearchState {
	query = $state('');
	sort: SortKey = $state('downloads');
	/** '' = any quantization. */
	quantization = $state('');
	fitsOnly = $state(false);
	/** What a model may take, from /api/system/memory; null until known. */
	recommendedGb: number | null = $state(null);

	results: SearchResult[] = $state([]);
	searched = $state(false);
	loading = $state(false);
	error = $state('');

	openRepo: string | null = $state(null);
	repoFiles: RepoFiles | null = $state(null);
	repoLoading = $state(false);
	repoError = $state('');

	/** Files of the open repo that pass the filters. */
	visibleFiles: RepoFile[] = $derived(
		(this.repoFiles?.files ?? []).filter(
			(f) => (!this.fitsOnly || f.fits_in_memory) && (!this.quantization || quantOf(f) === this.quantization)
		)
	);

	async loadMemory(): Promise<void> {
		try {
			this.recommendedGb = (await memoryInfo()).memory_for_models_gb;
		} catch {
			this.recommendedGb = null;
		}
	}

	async search(): Promise<void> {
		this.loading = true;
		this.error = '';
		try {
			const maxSizeGb = this.fitsOnly ? this.recommendedGb : null;
			this.results = await searchModels({ query: this.query.trim(), sort: this.sort, maxSizeGb });
			this.searched = true;
		} catch (err) {
			this.results = [];
			this.searched = false;
			this.error = describeHubError(err);
		} finally {
			this.loading = false;
		}
	}

	async open(repo: string): Promise<void> {
		if (this.openRepo === repo) return this.close();
		this.openRepo = repo;
		this.repoFiles = null;
		this.repoError = '';
		this.repoLoading = true;
		try {
			const files = await listRepoFiles(repo);
			if (this.openRepo === repo) this.repoFiles = files;
		} catch (err) {
			if (this.openRepo === repo) this.repoError = describeHubError(err);
		} finally {
			if (this.openRepo === repo) this.repoLoading = false;
		}
	}

	close(): void {
		this.openRepo = null;
		this.repoFiles = null;
		this.repoError = '';
		this.repoLoading = false;
	}

	/** The file to preselect: the server's recommendation when the filters allow it. */
	preselect(): string | null {
		const visible = this.visibleFiles;
		const rec = this.repoFiles?.recommended;
		if (rec && visible.some((f) => f.file === rec)) return rec;
		return visible[0]?.file ?? null;
	}
}
