/** The local model library of the `/models` page (complete GGUF files under the models dir). */
import { ApiError } from '$lib/client/api';
import { isUnreachable } from '$lib/client/reachability.svelte';
import { deleteLocalModel, listLocalModels, type LocalModel } from '$lib/client/models';

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class LibraryState {
	models: LocalModel[] = $state([]);
	loaded = $state(false);
	error = $state('');
	/** Outcome of the last delete, for the status region. */
	notice = $state('');
	deleting: string | null = $state(null);

	async load(): Promise<void> {
		try {
			this.models = await listLocalModels();
			this.error = '';
		} catch (err) {
			// An outage is shown once, by the layout; the page reloads when the server answers again.
			this.error = isUnreachable(err) ? '' : `Could not load the local models: ${describe(err)}`;
		} finally {
			this.loaded = true;
		}
	}

	async remove(model: LocalModel): Promise<void> {
		this.deleting = model.id;
		this.notice = '';
		this.error = '';
		try {
			await deleteLocalModel(model.id);
			this.notice = `Deleted ${model.id}`;
			this.models = this.models.filter((m) => m.id !== model.id);
		} catch (err) {
			// 409 explains itself (loaded, downloading); anything else gets a prefix.
			this.error = err instanceof ApiError && err.status === 409 ? err.message : `Could not delete ${model.id}: ${describe(err)}`;
			if (err instanceof ApiError && err.status === 404) await this.load();
		} finally {
			this.deleting = null;
		}
	}
}
