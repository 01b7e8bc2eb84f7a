import { z } from 'zod';
import { parseDuration } from '../config';

const modelId = z
	.string()
	.trim()
	.min(1)
	.max(1024)
	.refine(
		(id) =>
			!id.includes('\0') &&
			!id.includes('\\') &&
			!id.startsWith('/') &&
			!id.split('/').some((p) => p === '' || p === '.' || p === '..') &&
			id.toLowerCase().endsWith('.gguf'),
		'expected a model id such as owner/repo/file.gguf'
	);

const keepAlive = z
	.string()
	.trim()
	.refine((v) => parseDuration(v) !== null, 'expected a duration such as 30m, 1h, 0 or -1');

/** Another name for a profile, as tools hard-code them (`gpt-4o`, `claude-sonnet-4-5`). */
const alias = z
	.string()
	.trim()
	.min(1)
	.max(128)
	.regex(/^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/, 'aliases are letters, digits and . _ : @ / + -')
	.refine((a) => !a.toLowerCase().endsWith('.gguf'), 'an alias may not look like a local model id (….gguf)');

/** Every field a profile has on the wire, with the defaults of SPEC §4. */
export const ProfileFields = z.object({
	// Every model id ends in .gguf: a profile named like one would take over every request for it.
	name: z
		.string()
		.trim()
		.min(1)
		.max(100)
		.refine((n) => !n.toLowerCase().endsWith('.gguf'), 'may not be a model id (a name ending in .gguf)'),
	description: z.string().max(2000).default(''),
	model_id: modelId,
	context_size: z.number().int().min(64).max(1_048_576).default(4096),
	gpu_layers: z.union([z.literal('auto'), z.number().int().min(0).max(1000)]).default('auto'),
	parallel: z.number().int().min(1).max(64).default(1),
	temperature: z.number().min(0).max(2).default(0.7),
	top_p: z.number().min(0).max(1).default(1),
	top_k: z.number().int().min(0).max(1000).default(40),
	min_p: z.number().min(0).max(1).default(0.05),
	repeat_penalty: z.number().min(0).max(10).default(1.1),
	max_tokens: z.number().int().min(1).max(1_048_576).default(4096),
	system_prompt: z.string().max(100_000).default(''),
	keep_alive: keepAlive.nullable().default(null),
	pinned: z.boolean().default(false),
	aliases: z.array(alias).max(32).default([])
});

export const CreateProfile = ProfileFields.strict();
export type CreateProfile = z.infer<typeof CreateProfile>;

/** PUT: any subset of the fields; omitted ones keep their value. */
export const UpdateProfile = z
	.object(Object.fromEntries(Object.entries(ProfileFields.shape).map(([k, v]) => [k, unwrapDefault(v).optional()])))
	.strict() as unknown as z.ZodType<Partial<CreateProfile>>;
export type UpdateProfile = Partial<CreateProfile>;

export const DuplicateQuery = z.object({ new_name: z.string().trim().min(1).max(100).optional() });

function unwrapDefault(schema: z.ZodType): z.ZodType {
	return schema instanceof z.ZodDefault ? (schema.def.innerType as z.ZodType) : schema;
}

export type ProfileWire = CreateProfile & { id: string; owner_id: string | null; created_at: string; updated_at: string };
