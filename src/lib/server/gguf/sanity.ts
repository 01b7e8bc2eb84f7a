/**
 * The metadata llama.cpp trusts without checking: values that make it abort the whole process (a
 * `GGML_ASSERT`) or divide by zero when a model loads or first runs. A file with any of them is
 * unusable; the reason names the value.
 */
import type { GgufFileInfo } from 'node-llama-cpp';
import { AppError } from '../http/errors';

/** More layers than any released model has by an order of magnitude. */
const MAX_BLOCKS = 1024;
const MAX_EXPERTS = 4096;

/** The file is a readable GGUF whose content llama.cpp cannot run safely (422). */
export class ModelUnusableError extends AppError {
	constructor(reason: string, what = 'The model') {
		super(422, 'model_unusable', `${what} cannot be used: ${reason}`, { extra: { reason } });
	}
}

type Value = unknown;
const numbers = (v: Value): number[] | null => {
	if (typeof v === 'number') return [v];
	if (typeof v === 'bigint') return [Number(v)];
	if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'bigint')) return v.map(Number);
	return null;
};

/** Why llama.cpp must not load this file, or null when nothing is known to be wrong. */
export function metadataProblem(info: GgufFileInfo): string | null {
	const meta = info.metadata as unknown as Record<string, Record<string, Value> | undefined>;
	const general = meta.general ?? {};
	const arch = typeof general.architecture === 'string' ? general.architecture : '';
	const a = (meta[arch] ?? {}) as Record<string, Value>;
	const attention = (a.attention ?? {}) as Record<string, Value>;
	const isProjector = arch === 'clip' || general.type === 'mmproj';

	const blocks = numbers(a.block_count)?.[0];
	if (blocks !== undefined) {
		if (!Number.isInteger(blocks) || blocks < 1 || blocks > MAX_BLOCKS) return `block_count is ${blocks}`;
		const layers = new Set<number>();
		for (const t of info.fullTensorInfo ?? info.tensorInfo ?? []) {
			const m = /^blk\.(\d+)\./.exec(t.name);
			if (m) layers.add(Number(m[1]));
		}
		if (layers.size > 0 && (layers.size !== blocks || Math.max(...layers) !== blocks - 1)) {
			return `block_count is ${blocks} but the file has tensors for ${layers.size} layers`;
		}
	}
	for (const key of ['embedding_length', 'context_length', 'feed_forward_length'] as const) {
		const v = numbers(a[key]);
		if (v && (v.length === 0 || v.some((x) => !Number.isFinite(x) || x < 0) || v.every((x) => x === 0))) return `${key} is ${String(a[key])}`;
	}
	const heads = numbers(attention.head_count);
	const kv = numbers(attention.head_count_kv);
	// Per-layer arrays may hold 0 for layers without attention (hybrid models); a single value may not.
	for (const [key, v] of [['head_count', heads], ['head_count_kv', kv]] as const) {
		if (!v) continue;
		if (v.length === 0 || v.some((x) => !Number.isInteger(x) || x < 0) || v.every((x) => x === 0) || (v.length === 1 && v[0] === 0)) {
			return `${key} is ${String(attention[key])}`;
		}
	}
	if (heads?.length === 1 && kv?.length === 1 && (kv[0] > heads[0] || heads[0] % kv[0] !== 0)) {
		return `head_count_kv ${kv[0]} does not divide head_count ${heads[0]}`;
	}
	for (const key of ['layer_norm_rms_epsilon', 'layer_norm_epsilon']) {
		const v = numbers(attention[key]);
		if (v && v.some((x) => !Number.isFinite(x) || x <= 0)) return `${key} is ${String(attention[key])}`;
	}
	const experts = numbers(a.expert_count)?.[0];
	const used = numbers(a.expert_used_count)?.[0];
	if (experts !== undefined && (!Number.isInteger(experts) || experts < 0 || experts > MAX_EXPERTS)) return `expert_count is ${experts}`;
	if (used !== undefined && (!Number.isInteger(used) || used < 0 || used > (experts ?? 0))) return `expert_used_count is ${used}`;

	if (!isProjector) {
		const tokenizer = meta.tokenizer as { ggml?: Record<string, Value> } | undefined;
		const tokens = tokenizer?.ggml?.tokens;
		if (!Array.isArray(tokens) || tokens.length === 0) return 'the vocabulary is empty';
		for (const key of ['bos_token_id', 'eos_token_id', 'unknown_token_id', 'padding_token_id', 'eot_token_id']) {
			const id = numbers(tokenizer?.ggml?.[key])?.[0];
			if (id !== undefined && id !== -1 && id !== 0xffffffff && (id < 0 || id >= tokens.length)) return `${key} ${id} is outside the vocabulary`;
		}
	}
	return null;
}

export function assertSaneMetadata(info: GgufFileInfo): void {
	const problem = metadataProblem(info);
	if (problem) throw new ModelUnusableError(problem);
}
