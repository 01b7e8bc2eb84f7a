// @ts-check
/**
 * One measurement for bench/native.js, in its own process (two llama.cpp libraries cannot share one):
 * prefill of 512 tokens and a 128-token generation on the given model, with the library the app would
 * load (`library=app`: a local build from `npm run build:native` when there is one) or node-llama-cpp's
 * prebuilt binaries (`library=prebuilt`). Prints one JSON line.
 * Usage: node bench/lib/native-child.js <model.gguf> <app|prebuilt> <threads>
 */
import { getLlama, LlamaCompletion } from 'node-llama-cpp';

const [file, library, threads] = process.argv.slice(2);
const llama = await getLlama({
	gpu: false,
	build: 'never',
	maxThreads: Number(threads),
	progressLogs: false,
	// Custom CMake options name another local build, which does not exist: the prebuilt binaries load.
	...(library === 'prebuilt' ? { cmakeOptions: { LLM_MANAGER_BENCH_PREBUILT: '1' } } : {})
});
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 1024, sequences: 1, threads: Number(threads) });
const sequence = context.getSequence();
const prompt = Array.from({ length: 512 }, (_, i) => model.tokenize(String.fromCharCode(97 + (i % 26)))[0]);
let start = performance.now();
await sequence.evaluateWithoutGeneratingNewTokens(prompt);
const prefillMs = performance.now() - start;
await sequence.clearHistory();
const completion = new LlamaCompletion({ contextSequence: sequence });
start = performance.now();
await completion.generateCompletion('Once upon a time', { maxTokens: 128, temperature: 0 });
const genMs = performance.now() - start;
const generated = sequence.tokenMeter.usedOutputTokens;
console.log(JSON.stringify({ build: llama.buildType, prefill_tps: (512 / prefillMs) * 1000, gen_tps: (generated / genMs) * 1000 }));
await context.dispose();
await model.dispose();
