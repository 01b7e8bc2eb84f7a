import * as backends from '$lib/server/backends';
import * as inference from '$lib/server/inference';
import * as responses from '$lib/server/responses';

export const POST = inference.v1Route('/v1/responses', backends.routed('responses', responses.responses));
