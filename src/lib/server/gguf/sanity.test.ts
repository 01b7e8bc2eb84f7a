import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../../../../tests/fixtures/gguf.js';
import { metadataProblem } from './sanity';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gguf-sanity-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function problemOf(metadata: Record<string, number | string | null>): Promise<string | null> {
	const file = writeTinyLlama(path.join(dir, `${Object.keys(metadata).join('_') || 'plain'}-${Math.random()}.gguf`), { metadata });
	return metadataProblem(await readGgufFileInfo(file, { logWarnings: false }));
}

describe('metadataProblem', () => {
	it('finds nothing wrong with a normal model', async () => {
		expect(await problemOf({})).toBeNull();
	});

	it('names the values llama.cpp would abort on', async () => {
		expect(await problemOf({ 'llama.attention.head_count': 0 })).toMatch(/head_count is 0/);
		expect(await problemOf({ 'llama.attention.head_count_kv': 0 })).toMatch(/head_count_kv is 0/);
		expect(await problemOf({ 'llama.attention.head_count_kv': 3 })).toMatch(/does not divide/);
		expect(await problemOf({ 'llama.block_count': 0 })).toMatch(/block_count is 0/);
		expect(await problemOf({ 'llama.block_count': 1000 })).toMatch(/block_count is 1000/);
		expect(await problemOf({ 'llama.block_count': 3 })).toMatch(/tensors for 2 layers/);
		expect(await problemOf({ 'llama.attention.layer_norm_rms_epsilon': NaN })).toMatch(/rms_epsilon is NaN/);
		expect(await problemOf({ 'llama.embedding_length': 0 })).toMatch(/embedding_length is 0/);
		expect(await problemOf({ 'tokenizer.ggml.bos_token_id': 100000 })).toMatch(/outside the vocabulary/);
		expect(await problemOf({ 'tokenizer.ggml.tokens': null, 'tokenizer.ggml.scores': null, 'tokenizer.ggml.token_type': null })).toMatch(/vocabulary is empty/);
	});
});
