import type { z } from 'zod';

/** Who may call an operation (SPEC conventions). `metrics`: an admin or `LLM_MANAGER_METRICS_TOKEN`. */
export type Access = 'public' | 'user' | 'admin' | 'stream' | 'metrics';

/**
 * One documented operation. `route` is the SvelteKit route id (`/api/auth/users/[id]`), so a test can
 * match the document against the route files. Schemas are the ones the endpoint validates with.
 */
export type Operation = {
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	route: string;
	summary: string;
	access: Access;
	tag: string;
	/** JSON body the endpoint parses. */
	body?: z.ZodType;
	/** Also accepts `application/x-www-form-urlencoded` with these fields. */
	form?: z.ZodType;
	/** Query parameters (an object schema). */
	query?: z.ZodType;
	/** Success status and what it carries. Defaults to 200 JSON. */
	success?: { status: number; description: string; contentType?: string };
	description?: string;
};
