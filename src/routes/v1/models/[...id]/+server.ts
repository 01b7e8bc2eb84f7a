import { json } from '@sveltejs/kit';
import * as backends from '$lib/server/backends';
import * as inference from '$lib/server/inference';

export const GET = inference.v1Route('/v1/models', async ({ caller, event }) => {
	const id = event.params.id ?? '';
	const model = (await backends.allModelObjects(caller)).find((m) => m.id === id);
	if (!model) throw new inference.ModelNotFoundError(id);
	return json(model);
});
