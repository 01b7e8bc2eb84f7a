import * as inference from '$lib/server/inference';

export const POST = inference.v1Route('/v1/chat/completions', inference.chatCompletions);
