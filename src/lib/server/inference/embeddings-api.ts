import { json } from '@sveltejs/kit';
import { BadRequestError } from '../http/errors';
import { readJson } from '../http/parse';
import { V1_BODY_LIMIT } from './chat-api';
import { runEmbeddings } from './embeddings';
import { EmbeddingRequest } from './openai';
import { leaseFor } from './sampling';
import { resolveTarget } from './target';
import type { V1Context } from './v1';

function toBase64(vector: number[]): string {
	return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** `POST /v1/embeddings`: `input` is a string or an array of strings. */
export async function embeddings(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, EmbeddingRequest, V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const inputs = Array.isArray(req.input) ? req.input : [req.input];
	if (inputs.some((s) => s === '')) throw new BadRequestError('input must not contain empty strings', 'invalid_request_error');
	const target = await resolveTarget(req.model, ctx.caller);
	const lease = await leaseFor(target, ctx.signal);
	try {
		const result = await runEmbeddings(lease, inputs, ctx.signal);
		ctx.firstToken();
		ctx.meter.promptTokens = result.promptTokens;
		const data = result.vectors.map((vector, index) => {
			const v = req.dimensions && req.dimensions < vector.length ? vector.slice(0, req.dimensions) : vector;
			return { object: 'embedding', index, embedding: req.encoding_format === 'base64' ? toBase64(v) : v };
		});
		return json({
			object: 'list',
			data,
			model: req.model,
			usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens }
		});
	} finally {
		lease.release();
	}
}
