import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModelFile } from './resolve';

const root = path.resolve('/srv/models');

describe('resolveModelFile', () => {
	it('maps an id to its file under the models dir', () => {
		expect(resolveModelFile(root, 'owner/repo/model-Q4_K_M.gguf')).toBe(path.join(root, 'owner/repo/model-Q4_K_M.gguf'));
	});

	it.each(['../x.gguf', 'owner/../../etc/x.gguf', '/etc/x.gguf', 'owner\\repo\\x.gguf', 'a/b\0/x.gguf', 'owner//x.gguf', './x.gguf', 'owner/repo/readme.txt', '', 'C:/x.gguf'])(
		'rejects %j with a 400',
		(id) => {
			expect(() => resolveModelFile(root, id)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_model_id' }));
		}
	);
});
