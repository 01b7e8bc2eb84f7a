import { json } from '@sveltejs/kit';
import * as backends from '$lib/server/backends';
import * as inference from '$lib/server/inference';

export const GET = inference.v1Route('/v1/models', async ({ caller }) =>
	json({ object: 'list', data: await backends.allModelObjects(caller) })
);
