/**
 * Editable copy of a profile for the editor: typed fields, client-side hints that mirror the
 * server's rules (the server stays the judge: its 400 issues are shown per field as well), and the
 * body sent on save.
 */
import { ApiError } from '$lib/client/api';
import { DURATION_PATTERN, issuesByField, type Profile, type ProfileInput } from '$lib/client/pool';

export const PROFILE_DEFAULTS: ProfileInput = {
	name: '',
	description: '',
	model_id: '',
	context_size: 4096,
	gpu_layers: 'auto',
	parallel: 1,
	temperature: 0.7,
	top_p: 1,
	top_k: 40,
	min_p: 0.05,
	repeat_penalty: 1.1,
	max_tokens: 4096,
	system_prompt: '',
	keep_alive: null,
	pinned: false,
	aliases: []
};

type NumberField = 'context_size' | 'parallel' | 'temperature' | 'top_p' | 'top_k' | 'min_p' | 'repeat_penalty' | 'max_tokens';

/** [min, max, integer] per numeric field. */
const RANGES: Record<NumberField, [number, number, boolean]> = {
	context_size: [64, 1_048_576, true],
	parallel: [1, 64, true],
	temperature: [0, 2, false],
	top_p: [0, 1, false],
	top_k: [0, 1000, true],
	min_p: [0, 1, false],
	repeat_penalty: [0, 10, false],
	max_tokens: [1, 1_048_576, true]
};

export class ProfileDraft {
	name = $state('');
	description = $state('');
	model_id = $state('');
	context_size: number | null = $state(null);
	gpuLayersMode: 'auto' | 'layers' = $state('auto');
	gpuLayers: number | null = $state(null);
	parallel: number | null = $state(null);
	temperature: number | null = $state(null);
	top_p: number | null = $state(null);
	top_k: number | null = $state(null);
	min_p: number | null = $state(null);
	repeat_penalty: number | null = $state(null);
	max_tokens: number | null = $state(null);
	system_prompt = $state('');
	keep_alive = $state('');
	pinned = $state(false);
	/** Aliases as typed: separated by commas or spaces. */
	aliases = $state('');

	/** Errors the server returned for the last save, by field; cleared per field as it is edited. */
	serverIssues: Record<string, string> = $state({});
	/** Whole-form error (409 duplicate name, network…). */
	formError = $state('');
	/** Show client hints only after the first save attempt or once a field was touched. */
	touched: Record<string, boolean> = $state({});
	submitted = $state(false);

	constructor(profile: Partial<ProfileInput> = {}) {
		const p = { ...PROFILE_DEFAULTS, ...profile };
		this.name = p.name;
		this.description = p.description;
		this.model_id = p.model_id;
		this.context_size = p.context_size;
		this.gpuLayersMode = p.gpu_layers === 'auto' ? 'auto' : 'layers';
		this.gpuLayers = p.gpu_layers === 'auto' ? null : p.gpu_layers;
		this.parallel = p.parallel;
		this.temperature = p.temperature;
		this.top_p = p.top_p;
		this.top_k = p.top_k;
		this.min_p = p.min_p;
		this.repeat_penalty = p.repeat_penalty;
		this.max_tokens = p.max_tokens;
		this.system_prompt = p.system_prompt;
		this.keep_alive = p.keep_alive ?? '';
		this.pinned = p.pinned;
		this.aliases = p.aliases.join(', ');
	}

	/** Client-side hints, by field. */
	hints: Record<string, string> = $derived.by(() => {
		const out: Record<string, string> = {};
		const name = this.name.trim();
		if (!name) out.name = 'A name is required.';
		else if (name.length > 100) out.name = 'At most 100 characters.';
		if (!this.model_id.trim()) out.model_id = 'Pick the model this profile runs.';
		for (const [field, [min, max, integer]] of Object.entries(RANGES) as [NumberField, [number, number, boolean]][]) {
			const value = this[field];
			if (value === null || value === undefined || Number.isNaN(value)) out[field] = 'A number is required.';
			else if (integer && !Number.isInteger(value)) out[field] = 'A whole number is required.';
			else if (value < min || value > max) out[field] = `Between ${min} and ${max}.`;
		}
		if (this.gpuLayersMode === 'layers' && (this.gpuLayers === null || !Number.isInteger(this.gpuLayers) || this.gpuLayers < 0)) {
			out.gpu_layers = 'A whole number of layers (0 = CPU only).';
		}
		if (this.keep_alive.trim() && !DURATION_PATTERN.test(this.keep_alive.trim())) {
			out.keep_alive = 'A duration such as 30s, 5m, 2h; 0 unloads after each request; -1 never unloads.';
		}
		return out;
	});

	/** What to show under a field: the server's issue, else the client hint once relevant. */
	messageFor(field: string): string {
		return this.serverIssues[field] ?? (this.submitted || this.touched[field] ? (this.hints[field] ?? '') : '');
	}

	touch(field: string): void {
		this.touched[field] = true;
		delete this.serverIssues[field];
	}

	get valid(): boolean {
		return Object.keys(this.hints).length === 0;
	}

	toInput(): ProfileInput {
		return {
			name: this.name.trim(),
			description: this.description,
			model_id: this.model_id.trim(),
			context_size: this.context_size ?? 0,
			gpu_layers: this.gpuLayersMode === 'auto' ? 'auto' : (this.gpuLayers ?? 0),
			parallel: this.parallel ?? 0,
			temperature: this.temperature ?? 0,
			top_p: this.top_p ?? 0,
			top_k: this.top_k ?? 0,
			min_p: this.min_p ?? 0,
			repeat_penalty: this.repeat_penalty ?? 0,
			max_tokens: this.max_tokens ?? 0,
			system_prompt: this.system_prompt,
			keep_alive: this.keep_alive.trim() || null,
			pinned: this.pinned,
			aliases: this.aliases.split(/[\s,]+/).filter(Boolean)
		};
	}

	/** Runs `save` when the hints pass; maps a 400 to per-field messages and a 409 to the name field. */
	async submit(save: (input: ProfileInput) => Promise<Profile>): Promise<Profile | null> {
		this.submitted = true;
		this.formError = '';
		this.serverIssues = {};
		if (!this.valid) {
			this.formError = 'Please fix the highlighted fields.';
			return null;
		}
		try {
			return await save(this.toInput());
		} catch (err) {
			if (err instanceof ApiError && err.status === 409) {
				this.serverIssues = { name: err.message || 'A profile with this name already exists.' };
				this.formError = err.message || 'A profile with this name already exists.';
			} else if (err instanceof ApiError && err.status === 400) {
				this.serverIssues = issuesByField(err);
				this.formError = err.message || 'The server refused some fields.';
			} else {
				this.formError = err instanceof Error ? err.message : String(err);
			}
			return null;
		}
	}
}
