import { describe, expect, it } from 'vitest';
import { groupGgufFiles, parseQuantization, parseSplit, recommendFile, splitPartName } from './quant';

describe('parseQuantization', () => {
	it.each([
		['tiny-llama-Q4_K_M.gguf', 'Q4_K_M'],
		['model.Q8_0.gguf', 'Q8_0'],
		['Llama-3-8B-Instruct-IQ3_XS.gguf', 'IQ3_XS'],
		['phi-3-mini-4k-instruct-q2_k.gguf', 'Q2_K'],
		['model-f16.gguf', 'F16'],
		['model-BF16.gguf', 'BF16'],
		['model.F32.gguf', 'F32'],
		['model-fp16.gguf', 'F16'],
		['Qwen2.5-7B-Instruct-Q5_K_S-00001-of-00003.gguf', 'Q5_K_S'],
		['Q6_K/model-00002-of-00002.gguf', 'Q6_K'],
		['model-IQ4_NL.gguf', 'IQ4_NL'],
		['model-UD-Q4_K_XL.gguf', 'Q4_K_XL'],
		['model.gguf', null],
		['Qwen2-7B.gguf', null]
	])('%s → %s', (name, quant) => {
		expect(parseQuantization(name)).toBe(quant);
	});
});

describe('split files', () => {
	it('parses part numbers', () => {
		expect(parseSplit('m-Q4_K_M-00002-of-00003.gguf')).toEqual({ prefix: 'm-Q4_K_M', index: 2, count: 3 });
		expect(parseSplit('m-Q4_K_M.gguf')).toBeNull();
		expect(parseSplit('m-00004-of-00003.gguf')).toBeNull();
		expect(splitPartName('m-00001-of-00003.gguf', 3, 3)).toBe('m-00003-of-00003.gguf');
	});

	it('groups a split set into one model named by its first part', () => {
		const entry = (file: string, size: number) => ({ file, size_bytes: size, sha256: `sha-${file}` });
		const groups = groupGgufFiles([
			entry('big-Q8_0-00002-of-00002.gguf', 20),
			entry('big-Q8_0-00001-of-00002.gguf', 10),
			entry('small-Q4_K_M.gguf', 5),
			entry('half-Q2_K-00001-of-00002.gguf', 3),
			entry('README.md', 1)
		]);
		expect(groups.map((g) => [g.file, g.size_bytes, g.parts.length, g.complete, g.quantization])).toEqual([
			['big-Q8_0-00001-of-00002.gguf', 30, 2, true, 'Q8_0'],
			['half-Q2_K-00001-of-00002.gguf', 3, 1, false, 'Q2_K'],
			['small-Q4_K_M.gguf', 5, 1, true, 'Q4_K_M']
		]);
		expect(groups[0].parts.map((p) => p.file)).toEqual(['big-Q8_0-00001-of-00002.gguf', 'big-Q8_0-00002-of-00002.gguf']);
	});
});

describe('recommendFile', () => {
	const files = [
		{ file: 'm-Q2_K.gguf', size_bytes: 200, quantization: 'Q2_K' },
		{ file: 'm-Q4_K_M.gguf', size_bytes: 400, quantization: 'Q4_K_M' },
		{ file: 'm-Q6_K.gguf', size_bytes: 600, quantization: 'Q6_K' },
		{ file: 'm-Q8_0.gguf', size_bytes: 800, quantization: 'Q8_0' },
		{ file: 'm-F16.gguf', size_bytes: 1600, quantization: 'F16' },
		{ file: 'mmproj-F16.gguf', size_bytes: 10, quantization: 'F16' }
	];
	it('takes the largest quant up to Q6_K that fits', () => {
		expect(recommendFile(files, 10_000)?.file).toBe('m-Q6_K.gguf');
		expect(recommendFile(files, 500)?.file).toBe('m-Q4_K_M.gguf');
	});
	it('falls back to the smallest model file when nothing fits', () => {
		expect(recommendFile(files, 100)?.file).toBe('m-Q2_K.gguf');
		expect(recommendFile([], 100)).toBeNull();
	});
});
