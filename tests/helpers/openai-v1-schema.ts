/**
 * Validates /v1 chat, completion, embedding, model and error bodies against OpenAI's own schemas
 * (tests/fixtures/openai-v1.schema.json, vendored from OpenAI's OpenAPI document, MIT).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const DOC = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/openai-v1.schema.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(DOC, 'openai-v1');
const compiled = new Map<string, ValidateFunction>();

export type V1Schema =
	| 'CreateChatCompletionResponse'
	| 'CreateChatCompletionStreamResponse'
	| 'CreateCompletionResponse'
	| 'CreateEmbeddingResponse'
	| 'ErrorResponse'
	| 'ListModelsResponse'
	| 'Model';

/** Problems with `value` as the named schema; [] when it conforms. */
export function v1SchemaErrors(name: V1Schema, value: unknown): string[] {
	let fn = compiled.get(name);
	if (!fn) {
		fn = ajv.getSchema(`openai-v1#/components/schemas/${name}`);
		if (!fn) throw new Error(`no schema ${name}`);
		compiled.set(name, fn);
	}
	if (fn(value)) return [];
	return (fn.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
