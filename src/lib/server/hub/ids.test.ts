import { describe, expect, it } from 'vitest';
import { InvalidIdError, parseFileName, parseModelId, parseRepoId, pathInside } from './ids';

const HOSTILE = [
	'',
	'..',
	'../etc/passwd',
	'owner/../../etc/passwd.gguf',
	'owner/repo/../../../x.gguf',
	'/etc/passwd.gguf',
	'//server/share/x.gguf',
	'owner\\repo\\x.gguf',
	'..\\..\\x.gguf',
	'owner/repo/x.gguf\0.txt',
	'owner/repo/%2e%2e/x.gguf',
	'owner/repo/%2E%2E%2Fx.gguf',
	'owner%2frepo/x.gguf',
	'owner/repo/..%2fx.gguf',
	'owner//repo/x.gguf',
	'owner/repo//x.gguf',
	'owner/repo/x.gguf/',
	'owner/./repo/x.gguf',
	'owner/repo/./x.gguf',
	'./owner/repo/x.gguf',
	'owner/repo/.hidden.gguf',
	'C:/owner/repo/x.gguf',
	'owner/repo/x\n.gguf',
	'owner/repo/x...gguf'
];

describe('hostile ids are refused', () => {
	it.each(HOSTILE)('model id %j', (value) => {
		expect(() => parseModelId(value)).toThrow(InvalidIdError);
	});
	it.each(HOSTILE)('file name %j', (value) => {
		expect(() => parseFileName(value)).toThrow(InvalidIdError);
	});
	it.each(['..', '../x', 'a/..', 'a/b/c', '/a/b', 'a\\b', 'a/%2e', 'a/b\0', 'a', 'a/', '/b', '.a/b', 'a/.b', 'a/b.'])(
		'repo id %j',
		(value) => {
			expect(() => parseRepoId(value)).toThrow(InvalidIdError);
		}
	);
	it('answers 400 with a clear code', () => {
		try {
			parseModelId('../x.gguf');
		} catch (err) {
			expect((err as InvalidIdError).status).toBe(400);
			expect((err as InvalidIdError).code).toBe('invalid_id');
		}
	});
});

describe('valid ids pass', () => {
	it('accepts Hub-style names', () => {
		expect(parseRepoId('TheBloke/Llama-2-7B-GGUF')).toBe('TheBloke/Llama-2-7B-GGUF');
		expect(parseModelId('test-org/tiny-llama-GGUF/tiny-llama-Q4_K_M.gguf')).toEqual({
			id: 'test-org/tiny-llama-GGUF/tiny-llama-Q4_K_M.gguf',
			repo: 'test-org/tiny-llama-GGUF',
			file: 'tiny-llama-Q4_K_M.gguf'
		});
		expect(parseModelId('o/r/Q4_K_M/m-00001-of-00002.gguf').file).toBe('Q4_K_M/m-00001-of-00002.gguf');
		expect(parseFileName('Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf')).toBe('Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf');
	});
	it('refuses a non-GGUF file and a too-short model id', () => {
		expect(() => parseFileName('README.md')).toThrow(InvalidIdError);
		expect(() => parseModelId('owner/x.gguf')).toThrow(InvalidIdError);
	});
	it('keeps resolved paths inside the root', () => {
		expect(pathInside('/models', 'a/b/c.gguf')).toBe('/models/a/b/c.gguf');
		expect(() => pathInside('/models', '../x')).toThrow(InvalidIdError);
		expect(() => pathInside('/models', '/etc/passwd')).toThrow(InvalidIdError);
	});
});
