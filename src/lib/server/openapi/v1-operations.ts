/**
 * The `/v1` operations (OpenAI- and Anthropic-compatible). A new `+server.ts` under `src/routes/v1`
 * gets its entry here, with the schema its handler validates with.
 */
import { MessagesRequest, CountTokensRequest } from '../anthropic/schemas';
import { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from '../inference/openai';
import { ResponsesRequest } from '../responses/schemas';
import type { Operation } from './types';

const stream = 'With `"stream": true` the answer is a stream of Server-Sent Events.';

export const v1Operations: Operation[] = [
	{ method: 'GET', route: '/v1/models', summary: "Profiles, local models and the remote backends' models", access: 'user', tag: 'v1' },
	{ method: 'GET', route: '/v1/models/[...id]', summary: 'One model (the id keeps its slashes)', access: 'user', tag: 'v1' },
	{ method: 'POST', route: '/v1/chat/completions', summary: 'Chat completion (OpenAI)', access: 'user', tag: 'v1', body: ChatCompletionRequest, description: stream },
	{ method: 'POST', route: '/v1/completions', summary: 'Text completion (OpenAI)', access: 'user', tag: 'v1', body: CompletionRequest, description: stream },
	{ method: 'POST', route: '/v1/embeddings', summary: 'Embeddings (OpenAI)', access: 'user', tag: 'v1', body: EmbeddingRequest },
	{ method: 'POST', route: '/v1/responses', summary: 'Responses (OpenAI Responses API)', access: 'user', tag: 'v1', body: ResponsesRequest, description: stream },
	{ method: 'POST', route: '/v1/messages', summary: 'Messages (Anthropic)', access: 'user', tag: 'v1', body: MessagesRequest, description: stream },
	{ method: 'POST', route: '/v1/messages/count_tokens', summary: 'Count the tokens of a Messages request (Anthropic)', access: 'user', tag: 'v1', body: CountTokensRequest }
];
