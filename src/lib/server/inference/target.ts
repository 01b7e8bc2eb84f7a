import { getConfig } from '../config';
import type { schema } from '../db';
import { AppError, ForbiddenError } from '../http/errors';
import { bareLoadOptions, loadOptionsFor, modelFileExists, readPoolSettings, type LoadOptions } from '../pool';
import * as library from '../library';
import * as profiles from '../profiles';
import type { Caller } from '../auth/types';
import type { ModelObject } from './openai';

export class ModelNotFoundError extends AppError {
	constructor(name: string) {
		super(404, 'model_not_found', `The model '${name}' does not exist`);
	}
}

/** What a `/v1` `model` field names: a profile (its model and settings) or a bare local model. */
export type Target = {
	name: string;
	modelId: string;
	profile: schema.Profile | null;
	load: LoadOptions;
};

function allowed(caller: Caller, names: (string | undefined)[]): boolean {
	if (!caller.allowedModels) return true;
	return names.some((n) => n !== undefined && caller.allowedModels!.includes(n));
}

/**
 * Resolves the `model` field: a profile name first, else a local model id. Unknown → 404. A name
 * ending in .gguf is always a model id (profiles may not be named so, not even older ones), so a key
 * limited to some model ids reaches only the profiles that run one of them (or that it names).
 */
export async function resolveTarget(name: string, caller: Caller): Promise<Target> {
	const profile = name.toLowerCase().endsWith('.gguf') ? null : await profiles.findProfileByNameOrAlias(name);
	if (profile) {
		if (!allowed(caller, namesOf(profile))) throw notAllowed(name);
		const { preload } = await readPoolSettings({ ramOnly: true });
		return { name, modelId: profile.modelId, profile, load: loadOptionsFor(profile, preload) };
	}
	if (!(await modelFileExists(getConfig().modelsDir, name))) throw new ModelNotFoundError(name);
	if (!allowed(caller, [name])) throw notAllowed(name);
	return { name, modelId: name, profile: null, load: bareLoadOptions() };
}

/** Every name of a profile: a key limited to any of them may use the profile by all of them. */
function namesOf(profile: schema.Profile): string[] {
	return [profile.name, profile.id, profile.modelId, ...profile.aliases];
}

function notAllowed(name: string) {
	return new ForbiddenError(`This API key may not use the model '${name}'`, 'model_not_allowed');
}

/** `/v1/models`: profiles, then local models, limited to what the caller's key may use. */
export async function listModelObjects(caller: Caller): Promise<ModelObject[]> {
	const out: ModelObject[] = [];
	for (const p of await profiles.listProfiles()) {
		if (!allowed(caller, namesOf(p)) || p.name.toLowerCase().endsWith('.gguf')) continue;
		const created = Math.floor(p.createdAt.getTime() / 1000);
		out.push({ id: p.name, object: 'model', created, owned_by: 'profile' });
		for (const alias of p.aliases) out.push({ id: alias, object: 'model', created, owned_by: 'profile' });
	}
	for (const m of await library.listModelIds()) {
		if (!allowed(caller, [m.id])) continue;
		out.push({ id: m.id, object: 'model', created: Math.floor(m.mtime / 1000), owned_by: m.id.split('/')[0] ?? 'local' });
	}
	return out;
}
