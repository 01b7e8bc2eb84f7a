import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { getConfig } from './config';
import { singleton } from './http/singleton';
import { log } from './log';

/**
 * The process-wide llama.cpp binding, created once. `threads` is always passed: the library's default
 * of at least 4 threads makes decoding far slower on small machines.
 */
export function getLlamaInstance(): Promise<Llama> {
	return singleton('llama', () => {
		const config = getConfig();
		const started = Date.now();
		const promise = getLlama({
			gpu: config.gpu,
			build: 'never',
			maxThreads: config.threads,
			logLevel: LlamaLogLevel.error,
			progressLogs: false
		}).then((llama) => {
			log.info('llama.cpp ready', { gpu: llama.gpu || 'cpu', build: llama.buildType, ms: Date.now() - started });
			return llama;
		});
		promise.catch((err) => log.error('llama.cpp failed to start', { error: String(err) }));
		return promise;
	});
}
