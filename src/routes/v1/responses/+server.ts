import * as inference from '$lib/server/inference';
import * as responses from '$lib/server/responses';

export const POST = inference.v1Route('/v1/responses', responses.responses);
