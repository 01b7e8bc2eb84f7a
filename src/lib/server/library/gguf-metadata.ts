/**
 * A GGUF file's characteristics from its own header, read with node-llama-cpp's `readGgufFileInfo`
 * (no model load). Works on local paths and, with HTTP Range requests, on remote URLs.
 */
import { checkGgufHeader } from '../gguf/check';
import { assertSaneMetadata } from '../gguf/sanity';
import { GgufFileType, readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import fsp from 'node:fs/promises';
import { parseQuantization } from '../hub/quant';
import { requiredFileSize } from './gguf-size';

export type { ModelConfig } from '$lib/types/models';
import type { ModelConfig } from '$lib/types/models';

const EMBEDDING_ARCHITECTURES = new Set(['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert-v2', 't5encoder', 'modern-bert']);

const num = (v: unknown): number | null =>
	typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Array.isArray(v) && typeof v[0] === 'number' ? v[0] : null;

/** `MOSTLY_Q4_K_M` → `Q4_K_M`, `ALL_F32` → `F32`. */
export function fileTypeName(value: unknown): string | null {
	const n = num(value);
	if (n === null) return null;
	const name = (GgufFileType as unknown as Record<number, string>)[n];
	return name ? name.replace(/^(MOSTLY|ALL)_/, '') : null;
}

function countParameters(info: GgufFileInfo): number | null {
	const tensors = info.fullTensorInfo ?? info.tensorInfo;
	if (!tensors) return null;
	let total = 0;
	for (const t of tensors) total += t.dimensions.reduce((a: number, d) => a * Number(d), 1);
	return total;
}

export function toModelConfig(info: GgufFileInfo, fileName: string): ModelConfig {
	const meta = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
	const general = meta.general ?? {};
	const architecture = typeof general.architecture === 'string' ? general.architecture : null;
	const arch = (info.architectureMetadata ?? {}) as Record<string, unknown>;
	const attention = (arch.attention ?? {}) as Record<string, unknown>;
	const tokenizer = meta.tokenizer ?? {};
	const fileType = fileTypeName(general.file_type);
	return {
		architecture,
		context_length: num(arch.context_length),
		block_count: num(arch.block_count),
		embedding_length: num(arch.embedding_length),
		head_count: num(attention.head_count),
		head_count_kv: num(attention.head_count_kv) ?? num(attention.head_count),
		parameters: countParameters(info),
		quantization: parseQuantization(fileName) ?? fileType,
		file_type: fileType,
		has_chat_template: typeof tokenizer.chat_template === 'string' && tokenizer.chat_template.length > 0,
		is_embedding_model: (architecture !== null && EMBEDDING_ARCHITECTURES.has(architecture)) || arch.pooling_type !== undefined,
		is_multimodal: architecture === 'clip' || 'vision' in arch || general.type === 'mmproj'
	};
}

/** Reads a local file's header. Throws on a truncated or corrupt file. */
export async function readLocalConfig(file: string, fileName = file): Promise<ModelConfig> {
	// node-llama-cpp's parser never returns on some garbage headers: walk the header with bounds first.
	await checkGgufHeader(file);
	const info = await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false, spliceSplitFiles: false });
	const size = (await fsp.stat(file)).size;
	const required = requiredFileSize(info);
	if (required > size) throw new Error(`truncated: the header declares ${required} bytes, the file has ${size}`);
	assertSaneMetadata(info);
	return toModelConfig(info, fileName);
}

/** Reads a remote file's header with Range requests (no full download). */
export async function readRemoteConfig(
	url: string,
	fileName: string,
	headers: Record<string, string>,
	signal?: AbortSignal
): Promise<ModelConfig> {
	const info = await readGgufFileInfo(url, {
		sourceType: 'network',
		logWarnings: false,
		spliceSplitFiles: false,
		fetchHeaders: headers,
		fetchRetryOptions: { retries: 1, minTimeout: 200 },
		signal
	});
	return toModelConfig(info, fileName);
}
