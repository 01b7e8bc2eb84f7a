import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTinyLlama } from '../../../../tests/fixtures/gguf.js';
import { checkGgufHeader } from './check';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gguf-check-'));
const good = path.join(dir, 'good.gguf');
writeTinyLlama(good, {});

function variant(name: string, bytes: Buffer): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, bytes);
	return file;
}

describe('checkGgufHeader', () => {
	it('accepts a valid model', async () => {
		await expect(checkGgufHeader(good)).resolves.toBeUndefined();
	});

	it.each([
		['garbage after the magic', Buffer.from('GGUF\x03\x00\x00\x00garbage')],
		['not GGUF', Buffer.from('PK\x03\x04 definitely a zip')],
		['empty', Buffer.alloc(0)],
		['truncated header', fs.readFileSync(good).subarray(0, 2000)],
		['huge tensor count', Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(8, 0xff), Buffer.alloc(8)])]
	])('rejects %s without hanging', async (name, bytes) => {
		await expect(checkGgufHeader(variant(`${name}.gguf`, bytes))).rejects.toThrow();
	});
});
