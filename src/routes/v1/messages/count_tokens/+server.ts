import * as anthropic from '$lib/server/anthropic';
import * as backends from '$lib/server/backends';
import * as inference from '$lib/server/inference';

export const POST = inference.v1Route(
	'/v1/messages/count_tokens',
	backends.routed('count_tokens', anthropic.countTokens),
	anthropic.anthropicErrorResponse
);
