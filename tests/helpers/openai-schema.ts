/**
 * Validates Responses API objects and events against OpenAI's own schemas (tests/fixtures/
 * openai-responses.schema.json, vendored from OpenAI's OpenAPI document, MIT).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const DOC = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/openai-responses.schema.json'), 'utf8'));
const schemas: Record<string, any> = DOC.components.schemas;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(DOC, 'openai');
const compiled = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
	let fn = compiled.get(name);
	if (!fn) {
		fn = ajv.getSchema(`openai#/components/schemas/${name}`);
		if (!fn) throw new Error(`no schema ${name}`);
		compiled.set(name, fn);
	}
	return fn;
}

/** Problems with `value` as the named schema; [] when it conforms. */
export function schemaErrors(name: string, value: unknown): string[] {
	const fn = validator(name);
	if (fn(value)) return [];
	return (fn.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** The schema of each streaming event type (`response.output_text.delta` → ResponseTextDeltaEvent). */
const EVENT_SCHEMAS = new Map<string, string>(
	(schemas.ResponseStreamEvent.anyOf as { $ref: string }[]).flatMap(({ $ref }) => {
		const name = $ref.split('/').at(-1)!;
		const type = schemas[name]?.properties?.type?.enum?.[0];
		return type ? [[type, name] as [string, string]] : [];
	})
);

/** Problems with a streaming event: an unknown type, or a shape its schema refuses. */
export function eventErrors(event: { type: string }): string[] {
	const name = EVENT_SCHEMAS.get(event.type);
	if (!name) return [`unknown event type ${event.type}`];
	return schemaErrors(name, event);
}
