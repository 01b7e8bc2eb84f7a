import { parseDuration } from '../config';
import type { schema } from '../db';
import type { LoadOptions } from './types';

/** How a profile loads its model. Pinned when the profile says so or it is on the preload list. */
export function loadOptionsFor(profile: schema.Profile, preload: readonly string[] = []): LoadOptions {
	return {
		contextSize: profile.contextSize,
		gpuLayers: profile.gpuLayers === 'auto' ? 'auto' : Number(profile.gpuLayers),
		parallel: profile.parallel,
		keepAliveMs: profile.keepAlive == null ? null : parseDuration(profile.keepAlive),
		pinned: profile.pinned || preload.includes(profile.id),
		profileId: profile.id
	};
}
