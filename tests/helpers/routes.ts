/**
 * Discovers the HTTP API from the source tree: every `+server.ts` under `src/routes/api` and
 * `src/routes/v1`, the methods it exports, and its parameters, so a test can sweep all of them
 * (including routes added later) without a hand-kept list.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './server';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];
export const MUTATING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type RouteParam = { name: string; rest: boolean };
export type Route = {
	/** The route id as SvelteKit spells it, e.g. `/api/auth/users/[id]`. */
	id: string;
	segments: string[];
	params: RouteParam[];
	methods: Method[];
	v1: boolean;
};
export type Endpoint = { route: Route; method: Method };

const EXPORTED = /export\s+(?:const|let|(?:async\s+)?function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g;

function routeOf(file: string, routesDir: string): Route {
	const dir = path.relative(routesDir, path.dirname(file)).split(path.sep);
	// Route groups `(name)` are not part of the URL.
	const segments = dir.filter((s) => !/^\(.+\)$/.test(s));
	const params: RouteParam[] = [];
	for (const segment of segments) {
		const m = /^\[(\.\.\.)?([A-Za-z_]\w*)\]$/.exec(segment);
		if (m) params.push({ name: m[2], rest: Boolean(m[1]) });
	}
	const source = fs.readFileSync(file, 'utf8');
	const methods = [...new Set([...source.matchAll(EXPORTED)].map((m) => m[1] as Method))];
	const id = '/' + segments.join('/');
	return { id, segments, params, methods, v1: id.startsWith('/v1') };
}

/** Every route under `/api` and `/v1` that exports at least one HTTP method, sorted by id. */
export function discoverRoutes(root = ROOT): Route[] {
	const routesDir = path.join(root, 'src/routes');
	const routes: Route[] = [];
	for (const top of ['api', 'v1']) {
		const base = path.join(routesDir, top);
		if (!fs.existsSync(base)) continue;
		const files = (fs.readdirSync(base, { recursive: true }) as string[])
			.filter((f) => path.basename(f) === '+server.ts')
			.map((f) => path.join(base, f));
		for (const file of files) {
			const route = routeOf(file, routesDir);
			if (route.methods.length > 0) routes.push(route);
		}
	}
	return routes.sort((a, b) => a.id.localeCompare(b.id));
}

export function endpointsOf(routes: Route[]): Endpoint[] {
	return routes.flatMap((route) => route.methods.map((method) => ({ route, method })));
}

/** A plausible value for a parameter: a model id for rest params, else a random UUID. */
export function plausibleValue(param: RouteParam): string {
	return param.rest ? 'owner/repo/file.gguf' : randomUUID();
}

/**
 * The concrete path of a route. `fill` returns the already URL-encoded text for a parameter (so a test
 * can send `..%2F..` on purpose); by default every parameter gets a plausible value.
 */
export function concretePath(route: Route, fill: (param: RouteParam) => string = plausibleValue): string {
	return route.segments
		.map((segment) => {
			const m = /^\[(\.\.\.)?([A-Za-z_]\w*)\]$/.exec(segment);
			return m ? fill({ name: m[2], rest: Boolean(m[1]) }) : segment;
		})
		.join('/')
		.replace(/^/, '/');
}

export const label = ({ route, method }: Endpoint) => `${method} ${route.id}`;
