import { describe, expect, it } from 'vitest';
import { encodePath, formatDuration, fractionDone, normalizeRepoFiles, quantOf } from './models';

const file = (name: string, extra: object = {}) => ({ file: name, size_bytes: 10, quantization: null, parts: 1, sha256: null, fits_in_memory: true, ...extra });

describe('normalizeRepoFiles', () => {
	it('reads {files, recommended} with the recommendation as a file name', () => {
		const r = normalizeRepoFiles({ files: [file('a.Q4_K_M.gguf'), file('a.Q8_0.gguf')], recommended: 'a.Q8_0.gguf' });
		expect(r.recommended).toBe('a.Q8_0.gguf');
		expect(r.files).toHaveLength(2);
	});

	it('reads a bare list with a per-file recommended flag and parts as a list', () => {
		const r = normalizeRepoFiles([file('a-00001-of-00002.gguf', { parts: ['x', 'y'], recommended: true })]);
		expect(r.recommended).toBe('a-00001-of-00002.gguf');
		expect(r.files[0].parts).toBe(2);
	});

	it('reads a recommendation given as an object', () => {
		expect(normalizeRepoFiles({ files: [file('b.gguf')], recommended: { file: 'b.gguf' } }).recommended).toBe('b.gguf');
	});
});

describe('fractionDone', () => {
	it('prefers bytes, and treats a progress over 1 as a percentage', () => {
		expect(fractionDone({ status: 'downloading', progress: 0, downloaded_bytes: 25, total_bytes: 100 })).toBe(0.25);
		expect(fractionDone({ status: 'downloading', progress: 40, downloaded_bytes: 0, total_bytes: 0 })).toBe(0.4);
		expect(fractionDone({ status: 'downloading', progress: 0.5, downloaded_bytes: 0, total_bytes: 0 })).toBe(0.5);
		expect(fractionDone({ status: 'completed', progress: 0, downloaded_bytes: 0, total_bytes: 0 })).toBe(1);
	});
});

describe('formatting', () => {
	it('formats an ETA', () => {
		expect(formatDuration(null)).toBe('—');
		expect(formatDuration(42)).toBe('42s');
		expect(formatDuration(125)).toBe('2m 05s');
		expect(formatDuration(3725)).toBe('1h 02m');
	});

	it('keeps the slashes of an id and encodes each segment', () => {
		expect(encodePath('acme/tiny model/a#1.gguf')).toBe('acme/tiny%20model/a%231.gguf');
	});

	it('takes the quantization from the file name when the server has none', () => {
		expect(quantOf(file('model.q4_k_m.gguf'))).toBe('Q4_K_M');
		expect(quantOf(file('model-IQ4_XS.gguf'))).toBe('IQ4_XS');
		expect(quantOf(file('model.gguf', { quantization: 'F16' }))).toBe('F16');
		expect(quantOf(file('model.gguf'))).toBeNull();
	});
});
