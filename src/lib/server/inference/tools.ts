import type { ChatHistoryItem, ChatModelFunctions } from 'node-llama-cpp';
import { InvalidParamError } from './errors';
import { jsonDepth } from './json';

/**
 * The wire-independent tool interface of the chat core. Every wire protocol (`/v1/chat/completions`,
 * `/v1/messages`, `/v1/responses`) maps its own tool fields onto these.
 */

/** A function the model may call. `parameters` is a JSON Schema for its arguments object. */
export type ChatTool = { name: string; description?: string; parameters?: Record<string, unknown> | null };

/**
 * How the model uses the tools:
 * - `auto`: it decides, in its own chat template's call syntax (native function calling);
 * - `none`: it answers in text and calls nothing (the tools stay out of the prompt);
 * - `required`: at least one call, forced by a grammar (OpenAI `required`, Anthropic `any`);
 * - `{name}`: exactly that function, forced by a grammar (OpenAI named function, Anthropic `tool`).
 *
 * Forced calls are generated as `{"tool_calls": [{"name": …, "arguments": {…}}]}` under a grammar
 * built from the tools' schemas, so the arguments always parse and follow the function's schema.
 */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** Deeper parameter schemas overflow node-llama-cpp's recursive schema walk (a 500 instead of a 400). */
export const MAX_TOOL_SCHEMA_DEPTH = 64;

/** Most calls one forced answer may hold when parallel calls are allowed. */
export const MAX_PARALLEL_TOOL_CALLS = 8;

const EMPTY_OBJECT = { type: 'object', properties: {} };

/**
 * A client's JSON Schema in the dialect node-llama-cpp's grammar builder reads: `anyOf` as `oneOf`
 * (the same set of values when generating), `definitions` as `$defs`, annotations dropped.
 * Iterative over the nesting is not needed: depth is capped before this runs.
 */
export function toGrammarSchema(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(toGrammarSchema);
	if (schema === null || typeof schema !== 'object') return schema;
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(schema)) {
		if (key === '$schema' || key === 'title' || key === 'default' || key === 'examples' || key === '$id') continue;
		if (key === 'anyOf') out.oneOf = toGrammarSchema(value);
		else if (key === 'definitions') out.$defs = toGrammarSchema(value);
		else if (key === '$ref' && typeof value === 'string') out.$ref = value.replace(/^#\/definitions\//, '#/$defs/');
		else if (key === 'properties' && value && typeof value === 'object') {
			// Property names are data, not keywords: convert only their schemas.
			out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toGrammarSchema(v)]));
		} else out[key] = toGrammarSchema(value);
	}
	if (Array.isArray(out.allOf) && out.allOf.length === 1) {
		const [only] = out.allOf as Record<string, unknown>[];
		delete out.allOf;
		Object.assign(out, only);
	}
	return out;
}

export function parametersOf(tool: ChatTool): Record<string, unknown> {
	const p = tool.parameters;
	if (!p || Object.keys(p).length === 0) return EMPTY_OBJECT;
	return p;
}

/** Refuses tools the grammar builder cannot take (400, never a 500 later), and unknown forced names. */
export function checkTools(tools: ChatTool[], choice: ToolChoice): void {
	const names = new Set<string>();
	for (const tool of tools) {
		if (names.has(tool.name)) throw new InvalidParamError(`tools: the function name ${tool.name} is used twice`, 'tools');
		names.add(tool.name);
		if (jsonDepth(tool.parameters) > MAX_TOOL_SCHEMA_DEPTH) {
			throw new InvalidParamError(`tools: the parameters of ${tool.name} nest deeper than ${MAX_TOOL_SCHEMA_DEPTH} levels`, 'tools');
		}
	}
	if (typeof choice === 'object' && !names.has(choice.name)) {
		throw new InvalidParamError(`tool_choice names an unknown function: ${choice.name}`, 'tool_choice');
	}
	if (choice === 'required' && tools.length === 0) {
		throw new InvalidParamError('tool_choice "required" needs at least one tool in tools', 'tool_choice');
	}
}

/** The tools a forced choice may call. */
export function forcedTools(tools: ChatTool[], choice: 'required' | { name: string }): ChatTool[] {
	return typeof choice === 'object' ? tools.filter((t) => t.name === choice.name) : tools;
}

/** The JSON Schema of one call object: its name first (so a stream can announce the call), then its arguments. */
function callSchema(tool: ChatTool) {
	return {
		type: 'object',
		properties: { name: { const: tool.name }, arguments: toGrammarSchema(parametersOf(tool)) },
		required: ['name', 'arguments'],
		additionalProperties: false
	};
}

export function toolCallsSchema(tools: ChatTool[], parallel: boolean) {
	const items = tools.length === 1 ? callSchema(tools[0]) : { oneOf: tools.map(callSchema) };
	return {
		type: 'array',
		items,
		minItems: 1,
		maxItems: parallel ? MAX_PARALLEL_TOOL_CALLS : 1
	};
}

/**
 * The schema a forced answer follows: tool calls only, or (tools with a response format, `auto`)
 * tool calls or an answer in the response schema.
 */
export function envelopeSchema(tools: ChatTool[], parallel: boolean, response?: unknown) {
	const calls = { type: 'object', properties: { tool_calls: toolCallsSchema(tools, parallel) }, required: ['tool_calls'], additionalProperties: false };
	if (response === undefined) return calls;
	const answer = { type: 'object', properties: { response }, required: ['response'], additionalProperties: false };
	return { oneOf: [calls, answer] };
}

/** What the model is told about the tools and the answer shape when a grammar drives the calls. */
export function envelopeInstructions(tools: ChatTool[], choice: ToolChoice, parallel: boolean, withResponse: boolean): string {
	const list = tools.map((t) => `- ${t.name}${t.description ? `: ${t.description}` : ''} ${JSON.stringify(parametersOf(t))}`).join('\n');
	const which = typeof choice === 'object' ? choice.name : parallel ? 'one or more tools' : 'one tool';
	const shape = '{"tool_calls":[{"name":…,"arguments":{…}}]}';
	const answer = withResponse ? `Call ${which} with ${shape}, or answer with {"response":…}.` : `Call ${which} with ${shape}.`;
	return `Tools:\n${list}\n${answer}`;
}

/** The history with the instructions added to its first system message (or in a new one before it). */
export function withInstructions(history: ChatHistoryItem[], text: string): ChatHistoryItem[] {
	const first = history[0];
	if (first?.type === 'system' && typeof first.text === 'string') {
		return [{ type: 'system', text: first.text ? `${first.text}\n\n${text}` : text }, ...history.slice(1)];
	}
	return [{ type: 'system', text }, ...history];
}

/** Native (model-syntax) function definitions for `auto`. */
export function nativeFunctions(tools: ChatTool[]): ChatModelFunctions | undefined {
	if (tools.length === 0) return undefined;
	return Object.fromEntries(
		tools.map((t) => [t.name, { description: t.description, params: toGrammarSchema(parametersOf(t)) as never }])
	);
}
