import type { LlamaModel } from 'node-llama-cpp';

/**
 * The file each loaded model came from, as the pool loaded it (node-llama-cpp's `model.filename` is
 * only the base name), so that what is derived from the file alone can be cached per file.
 */
const files = new WeakMap<LlamaModel, string>();

export function rememberModelFile(model: LlamaModel, file: string): void {
	files.set(model, file);
}

export function modelFileOf(model: LlamaModel): string | undefined {
	return files.get(model);
}
