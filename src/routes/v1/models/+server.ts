import { json } from '@sveltejs/kit';
import * as inference from '$lib/server/inference';

export const GET = inference.v1Route('/v1/models', async ({ caller }) =>
	json({ object: 'list', data: await inference.listModelObjects(caller) })
);
