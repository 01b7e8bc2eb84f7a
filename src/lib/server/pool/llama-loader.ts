import fs from 'node:fs/promises';
import { GgufInsights, readGgufFileInfo, type GgufFileInfo, type Llama } from 'node-llama-cpp';
import { checkGgufHeader } from '../gguf/check';
import { assertSaneMetadata } from '../gguf/sanity';
import { assertUsable } from '../gguf/verdicts';
import { fullBatchSchedule } from './batching';
import { rememberModelFile } from './model-files';
import type { Estimate, LoadedBackend, LoadHooks, LoadOptions, ModelLoader } from './types';

/**
 * The real loader: node-llama-cpp models on the process-wide `Llama`. The GGUF header is read and
 * checked in JavaScript first, because llama.cpp aborts the whole process on some malformed files.
 */
export function createLlamaLoader(getLlama: () => Promise<Llama>, threads: number): ModelLoader {
	return {
		async estimate(file: string, options: LoadOptions): Promise<Estimate> {
			const info = await readCheckedInfo(file);
			// The first load of a file runs it in a child process first: llama.cpp aborts and runaway
			// templates end the child, not the server.
			await assertUsable(file);
			const architecture = (info.metadata as { general?: { architecture?: unknown } })?.general?.architecture;
			if (typeof architecture !== 'string' || architecture === '') throw new Error('not a model: the GGUF file names no architecture');
			if (!info.fullTensorInfo || info.fullTensorInfo.length === 0) throw new Error('not a model: the GGUF file has no tensors');
			const llama = await getLlama();
			const insights = await GgufInsights.from(info, llama);
			const contextSize = Math.max(64, Math.min(options.contextSize, insights.trainContextSize ?? options.contextSize));
			const gpuLayers = layersFor(llama, options.gpuLayers, insights.totalLayers);
			const model = insights.estimateModelResourceRequirements({ gpuLayers });
			const context = insights.estimateContextResourceRequirements({
				contextSize,
				modelGpuLayers: gpuLayers,
				sequences: options.parallel
			});
			const bytes = model.cpuRam + model.gpuVram + context.cpuRam + context.gpuVram;
			return { bytes: Math.ceil(bytes), contextSize };
		},

		async load(file: string, options: LoadOptions, estimate: Estimate, hooks?: LoadHooks): Promise<LoadedBackend> {
			const llama = await getLlama();
			const model = await llama.loadModel({
				modelPath: file,
				gpuLayers: llama.gpu ? options.gpuLayers : 0
			});
			rememberModelFile(model, file);
			try {
				const batching = fullBatchSchedule(hooks?.activeSequences ?? (() => options.parallel));
				const context = await model.createContext({
					contextSize: estimate.contextSize,
					sequences: options.parallel,
					threads,
					batching: { dispatchSchedule: batching.schedule, itemPrioritizationStrategy: 'maximumParallelism' }
				});
				batching.attach(context);
				return {
					model,
					context,
					sizeBytes: model.size,
					getSequence: () => context.getSequence(),
					dispose: async () => {
						await context.dispose();
						await model.dispose();
					}
				};
			} catch (err) {
				await model.dispose();
				throw err;
			}
		}
	};
}

/**
 * The checked GGUF metadata of a file, cached while its size and mtime stay the same, so reloading
 * a model (after keep-alive or eviction) does not parse its header again.
 */
const infos = new Map<string, { stamp: string; info: GgufFileInfo }>();

async function readCheckedInfo(file: string): Promise<GgufFileInfo> {
	const stat = await fs.stat(file);
	const stamp = `${stat.size}:${stat.mtimeMs}`;
	const cached = infos.get(file);
	if (cached?.stamp === stamp) return cached.info;
	await checkGgufHeader(file);
	const info = await readGgufFileInfo(file);
	assertSaneMetadata(info);
	if (infos.size >= 256) infos.delete(infos.keys().next().value!);
	infos.set(file, { stamp, info });
	return info;
}

function layersFor(llama: Llama, gpuLayers: LoadOptions['gpuLayers'], total: number): number {
	if (!llama.gpu) return 0;
	return gpuLayers === 'auto' ? total : Math.min(gpuLayers, total);
}
