import { describe, expect, it } from 'vitest';
import { ApiError } from '$lib/client/api';
import type { Profile, ProfileInput } from '$lib/client/pool';
import { PROFILE_DEFAULTS, ProfileDraft } from './profile-draft.svelte';

const valid = { name: 'coder', model_id: 'owner/repo/model-Q4_K_M.gguf' };

describe('ProfileDraft', () => {
	it('starts from the SPEC defaults and sends every field back', () => {
		const draft = new ProfileDraft(valid);
		expect(draft.valid).toBe(true);
		expect(draft.toInput()).toEqual({ ...PROFILE_DEFAULTS, ...valid });
	});

	it('hints at out-of-range, fractional and missing numbers, and bad durations', () => {
		const draft = new ProfileDraft(valid);
		draft.temperature = 2.5;
		draft.parallel = 1.5;
		draft.max_tokens = null;
		draft.keep_alive = 'soon';
		draft.gpuLayersMode = 'layers';
		draft.gpuLayers = -1;
		expect(draft.hints).toMatchObject({
			temperature: 'Between 0 and 2.',
			parallel: 'A whole number is required.',
			max_tokens: 'A number is required.',
			keep_alive: expect.stringContaining('duration'),
			gpu_layers: expect.stringContaining('whole number')
		});
		// Hints show once the field was touched or a save was tried.
		expect(draft.messageFor('temperature')).toBe('');
		draft.touch('temperature');
		expect(draft.messageFor('temperature')).toBe('Between 0 and 2.');
	});

	it('accepts the keep-alive forms the server does', () => {
		const draft = new ProfileDraft(valid);
		for (const value of ['', '30m', '2h', '45s', '500ms', '300', '0', '-1', '1.5h']) {
			draft.keep_alive = value;
			expect(draft.hints.keep_alive, value).toBeUndefined();
		}
		draft.gpuLayersMode = 'layers';
		draft.gpuLayers = 12;
		expect(draft.toInput().gpu_layers).toBe(12);
		draft.keep_alive = '';
		expect(draft.toInput().keep_alive).toBeNull();
	});

	it('does not call the server while hints remain', async () => {
		const draft = new ProfileDraft({ ...valid, name: '' });
		let called = false;
		expect(await draft.submit(async () => ((called = true), {} as Profile))).toBeNull();
		expect(called).toBe(false);
		expect(draft.messageFor('name')).toBe('A name is required.');
	});

	it('shows the server 400 issues on their fields and a 409 on the name', async () => {
		const draft = new ProfileDraft(valid);
		const refuse = (err: ApiError) => async (_: ProfileInput): Promise<Profile> => {
			throw err;
		};
		await draft.submit(refuse(new ApiError(400, 'Invalid request', 'invalid_request', null, [{ path: 'model_id', message: 'expected a model id' }])));
		expect(draft.messageFor('model_id')).toBe('expected a model id');
		draft.touch('model_id');
		expect(draft.messageFor('model_id')).toBe('');

		await draft.submit(refuse(new ApiError(409, 'A profile named "coder" already exists', 'duplicate_name')));
		expect(draft.messageFor('name')).toContain('already exists');
		expect(draft.formError).toContain('already exists');
	});
});
