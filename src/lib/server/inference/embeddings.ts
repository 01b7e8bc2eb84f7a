import { getConfig } from '../config';
import type { Lease } from '../pool';

export type EmbeddingResult = { vectors: number[][]; promptTokens: number };

/**
 * Embeddings of each input with the leased model. The embedding context lives for this request only,
 * so its memory is never held by an idle model.
 */
export async function runEmbeddings(lease: Lease, inputs: string[], signal: AbortSignal): Promise<EmbeddingResult> {
	const contextSize = Math.min(lease.context.contextSize, 8192);
	const context = await lease.model.createEmbeddingContext({ contextSize, threads: getConfig().threads });
	try {
		const vectors: number[][] = [];
		let promptTokens = 0;
		for (const input of inputs) {
			signal.throwIfAborted();
			const tokens = lease.model.tokenize(input);
			promptTokens += tokens.length;
			// Longer inputs are cut to fit; node-llama-cpp adds up to two special tokens and needs one free slot.
			const embedding = await context.getEmbeddingFor(tokens.slice(0, Math.max(1, contextSize - 3)));
			vectors.push([...embedding.vector]);
		}
		return { vectors, promptTokens };
	} finally {
		await context.dispose();
	}
}
