import type { Token } from 'node-llama-cpp';
import { getConfig } from '../config';
import type { Lease } from '../pool';
import { checkTextFits, ContextLengthExceededError, overflowMessage } from './context-fit';
import { InvalidParamError } from './errors';

export type EmbeddingResult = { vectors: number[][]; promptTokens: number };

/** An input as text or as token ids. */
export type EmbeddingInput = string | number[];

/** Largest embedding context made for a request. */
const MAX_EMBEDDING_CONTEXT = 8192;
/** node-llama-cpp adds up to two special tokens and needs one free slot. */
const SPECIAL_TOKEN_ROOM = 3;

function embeddingContextSize(lease: Lease): number {
	return Math.min(lease.context.contextSize, MAX_EMBEDDING_CONTEXT);
}

/** `v` scaled to unit length (a zero vector stays zero). */
export function normalize(v: readonly number[]): number[] {
	let sum = 0;
	for (const x of v) sum += x * x;
	const norm = Math.sqrt(sum);
	return norm > 0 ? v.map((x) => x / norm) : [...v];
}

/**
 * The tokens of every input, checked before anything is embedded: each must fit the embedding
 * context (a too-long input is a 400, never silently cut) and token ids must be in the vocabulary.
 */
export async function tokenizeInputs(lease: Lease, inputs: EmbeddingInput[]): Promise<Token[][]> {
	const limit = embeddingContextSize(lease) - SPECIAL_TOKEN_ROOM;
	const size = lease.model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? Number.MAX_SAFE_INTEGER;
	const out: Token[][] = [];
	for (const [i, input] of inputs.entries()) {
		const param = inputs.length > 1 ? `input[${i}]` : 'input';
		if (typeof input === 'string') {
			out.push(await checkTextFits(lease.model, limit, input, param, 'input'));
			continue;
		}
		const bad = input.find((t) => t >= size);
		if (bad !== undefined) throw new InvalidParamError(`${param}: ${bad} is not a token id of this model (0 to ${size - 1})`, param);
		if (input.length > limit) throw new ContextLengthExceededError(overflowMessage(limit, input.length, 'input'), param);
		out.push(input as Token[]);
	}
	return out;
}

/**
 * Unit-length embeddings of tokenised inputs with the leased model. The embedding context lives for
 * this request only, so its memory is never held by an idle model. `usage` counts exactly the tokens
 * that were embedded.
 */
export async function runEmbeddings(lease: Lease, inputs: Token[][], signal: AbortSignal): Promise<EmbeddingResult> {
	const context = await lease.model.createEmbeddingContext({ contextSize: embeddingContextSize(lease), threads: getConfig().threads });
	try {
		const vectors: number[][] = [];
		let promptTokens = 0;
		for (const tokens of inputs) {
			signal.throwIfAborted();
			promptTokens += tokens.length;
			const embedding = await context.getEmbeddingFor(tokens);
			vectors.push(normalize([...embedding.vector]));
		}
		return { vectors, promptTokens };
	} finally {
		await context.dispose();
	}
}
