import { json } from '@sveltejs/kit';
import { readJson } from '../http/parse';
import { V1_BODY_LIMIT } from './chat-api';
import { normalize, runEmbeddings, tokenizeInputs, type EmbeddingInput } from './embeddings';
import { InvalidParamError } from './errors';
import { EmbeddingRequest } from './openai';
import { leaseFor } from './sampling';
import { resolveTarget } from './target';
import type { V1Context } from './v1';

function toBase64(vector: number[]): string {
	return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

function inputsOf(input: EmbeddingRequest['input']): EmbeddingInput[] {
	if (typeof input === 'string') return [input];
	if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
	return input as EmbeddingInput[];
}

/**
 * `POST /v1/embeddings`: `input` is a string, strings, token ids or lists of token ids. Vectors are
 * unit length; `dimensions` keeps the first components and scales them back to unit length.
 */
export async function embeddings(ctx: V1Context): Promise<Response> {
	const req = await readJson(ctx.event.request, EmbeddingRequest, V1_BODY_LIMIT);
	ctx.meter.model = req.model;
	const inputs = inputsOf(req.input);
	const empty = inputs.findIndex((s) => s === '');
	if (empty >= 0) throw new InvalidParamError('input must not contain empty strings', inputs.length > 1 ? `input[${empty}]` : 'input');
	const target = await resolveTarget(req.model, ctx.caller);
	const lease = await leaseFor(target, ctx.signal);
	try {
		const size = lease.model.embeddingVectorSize;
		if (req.dimensions && req.dimensions > size) {
			throw new InvalidParamError(`dimensions may be at most ${size} for this model (asked for ${req.dimensions})`, 'dimensions');
		}
		const tokens = await tokenizeInputs(lease, inputs);
		const result = await runEmbeddings(lease, tokens, ctx.signal);
		ctx.firstToken();
		ctx.meter.promptTokens = result.promptTokens;
		const data = result.vectors.map((vector, index) => {
			const v = req.dimensions && req.dimensions < vector.length ? normalize(vector.slice(0, req.dimensions)) : vector;
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
