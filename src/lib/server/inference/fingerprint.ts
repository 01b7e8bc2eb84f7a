import { createHash } from 'node:crypto';
import { version } from '$app/environment';
import { getLlamaInstance } from '../llama';

let release: string | null = null;

/**
 * `system_fingerprint`: changes when the app, the llama.cpp build or the model changes, so a client
 * can tell that answers to the same request may differ.
 */
export async function systemFingerprint(modelId: string): Promise<string> {
	if (release === null) {
		const llama = await getLlamaInstance();
		release = `${llama.llamaCppRelease.release}:${llama.gpu || 'cpu'}`;
	}
	return `fp_${createHash('sha256').update(`${version}\n${release}\n${modelId}`).digest('hex').slice(0, 12)}`;
}
