import * as backends from '$lib/server/backends';
import * as inference from '$lib/server/inference';

export const POST = inference.v1Route('/v1/completions', backends.routed('completions', inference.completions));
