import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../../../../tests/fixtures/gguf.js';
import { rememberModelFile } from '../pool';
import { chatWrapperFor } from './chat';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-wrapper-'));
let llama: Llama;

beforeAll(async () => {
	llama = await getLlama({ gpu: false, build: 'never', progressLogs: false });
});
afterAll(async () => {
	await llama.dispose();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('chatWrapperFor', () => {
	it('resolves the chat format once per file: a reload of the same file reuses it, another file gets its own', async () => {
		const file = writeTinyLlama(path.join(dir, 'a.gguf'), {});
		const other = writeTinyLlama(path.join(dir, 'b.gguf'), { seed: 2 });
		const load = async (f: string) => {
			const model = await llama.loadModel({ modelPath: f, gpuLayers: 0 });
			rememberModelFile(model, f);
			return model;
		};
		const first = await load(file);
		const wrapper = chatWrapperFor(first);
		await first.dispose();
		const again = await load(file);
		expect(chatWrapperFor(again)).toBe(wrapper);
		const b = await load(other);
		expect(chatWrapperFor(b)).not.toBe(wrapper);
		await again.dispose();
		await b.dispose();
	});
});
