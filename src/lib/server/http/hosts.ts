import { isIP } from 'node:net';
import { getConfig } from '../config';
import { singleton } from './singleton';

/**
 * The `Host` allow-list against DNS rebinding: a page on another site whose name is made to resolve
 * to this machine reaches the app with its own name in `Host` (Ollama's CVE-2024-28224). Only the
 * configured names are answered (`LLM_MANAGER_ALLOWED_HOSTS`; by default the bind address,
 * `localhost`, `127.0.0.1`, `::1` and the host of `ORIGIN`). An IP address is always accepted:
 * rebinding needs a name, and a client that asks for an address reaches exactly that address.
 */
export function hostName(hostHeader: string): string {
	const value = hostHeader.trim().toLowerCase();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
	const name = bracketed ? bracketed[1] : isIP(value) === 6 ? value : value.replace(/:\d*$/, '');
	return name.replace(/\.$/, '');
}

/** The names answered, or null when every name is (`LLM_MANAGER_ALLOWED_HOSTS=*`). */
export function allowedHostNames(configured: string[] | null, bindHost: string, origin: string | undefined): Set<string> | null {
	if (configured?.includes('*')) return null;
	const names = new Set(configured ?? [bindHost, 'localhost', '127.0.0.1', '::1']);
	if (origin) {
		try {
			names.add(hostName(new URL(origin).host));
		} catch {
			// adapter-node refuses a bad ORIGIN itself
		}
	}
	return new Set([...names].map(hostName));
}

const allowed = () => {
	const config = getConfig();
	return singleton('allowed-hosts', () => allowedHostNames(config.allowedHosts, config.host, process.env.ORIGIN));
};

/** Whether a request with this `Host` header may be answered (no header: not a browser, allowed). */
export function isAllowedHost(hostHeader: string | null | undefined): boolean {
	if (!hostHeader) return true;
	const names = allowed();
	if (names === null) return true;
	const name = hostName(hostHeader);
	return isIP(name) !== 0 || names.has(name);
}

/** The answer to a request for a name this server does not serve, or null. */
export function refuseUnknownHost(request: Request): Response | null {
	if (isAllowedHost(request.headers.get('host'))) return null;
	return Response.json(
		{ detail: 'Unknown host name: set LLM_MANAGER_ALLOWED_HOSTS to serve it', code: 'host_not_allowed' },
		{ status: 403 }
	);
}
