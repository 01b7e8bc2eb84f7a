/**
 * The smallest size a GGUF file must have to hold every tensor its header declares. The header parser
 * reads past the end of a truncated file without complaint, so truncation is found by comparing this
 * with the file's real size.
 */
import type { GgufFileInfo } from 'node-llama-cpp';

/** ggml type id → [elements per block, bytes per block]. Unknown types are skipped. */
const BLOCKS: Record<number, [number, number]> = {
	0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
	10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
	16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
	23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
	34: [256, 54], 35: [256, 66], 39: [32, 17]
};

export function requiredFileSize(info: GgufFileInfo): number {
	let required = Number(info.infoEndOffset ?? 0);
	for (const tensor of info.tensorInfo ?? []) {
		const start = Number(tensor.fileOffset ?? 0);
		const block = BLOCKS[Number(tensor.ggmlType)];
		const elements = tensor.dimensions.reduce((a: number, d) => a * Number(d), 1);
		const bytes = block ? Math.ceil(elements / block[0]) * block[1] : 1;
		required = Math.max(required, start + bytes);
	}
	return required;
}
