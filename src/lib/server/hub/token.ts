/**
 * The Hub token an administrator saves on the Settings page. Stored sealed with the instance key
 * (`$lib/server/secrets`), cached in memory for the Hub client, and used instead of `HF_TOKEN` while
 * set. It never leaves the server: callers see whether one is set, its last 4 characters and the
 * Hub account it belongs to.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getConfig } from '../config';
import { getDb, schema } from '../db';
import { BadRequestError } from '../http/errors';
import { singleton } from '../http/singleton';
import { log } from '../log';
import * as secrets from '../secrets';
import { HubAccessError } from './client';
import { hubJson } from './fetch';

const KEY = 'hub_token';

/** `{token: "hf_…"}` saves a token; `{token: null}` forgets the saved one. */
export const HubTokenInput = z.object({
	token: z
		.string()
		.trim()
		.min(8, 'must be at least 8 characters')
		.max(512, 'must be at most 512 characters')
		.regex(/^[\x21-\x7e]+$/, 'must be one word of printable characters')
		.nullable()
});
export type HubTokenInput = z.infer<typeof HubTokenInput>;

/** What is stored: the sealed token and what may be shown of it. */
type StoredToken = { sealed: string; last4: string; account: string | null; updated_at: string };

/** `GET /api/settings/hub-token`: never the token itself. */
export type HubTokenStatus = {
	set: boolean;
	/** `settings` (saved here), `environment` (`HF_TOKEN`) or null (none). */
	source: 'settings' | 'environment' | null;
	last4: string | null;
	account: string | null;
	updated_at: string | null;
	/** A token is stored but cannot be decrypted with this instance key: save it again. */
	unreadable: boolean;
};

const cache = singleton('hub-token', () => ({ token: null as string | null, stored: null as StoredToken | null, unreadable: false }));

/** The token the Hub client sends: the saved one, else `HF_TOKEN`. */
export function currentHubToken(): string | undefined {
	return cache.token ?? getConfig().hfToken;
}

/** Start-up step: reads the saved token into memory. */
export async function loadHubToken(): Promise<void> {
	const row = await getDb().query.settings.findFirst({ where: eq(schema.settings.key, KEY) });
	const stored = (row?.value ?? null) as StoredToken | null;
	cache.stored = stored;
	cache.token = null;
	cache.unreadable = false;
	if (!stored) return;
	try {
		cache.token = secrets.decryptSecret(stored.sealed);
	} catch {
		cache.unreadable = true;
		log.warn('the saved Hub token cannot be decrypted with this instance key; save it again in Settings');
	}
}

export function hubTokenStatus(): HubTokenStatus {
	const env = getConfig().hfToken;
	if (cache.token && cache.stored) {
		return { set: true, source: 'settings', last4: cache.stored.last4, account: cache.stored.account, updated_at: cache.stored.updated_at, unreadable: false };
	}
	return {
		set: Boolean(env),
		source: env ? 'environment' : null,
		last4: env ? secrets.lastFour(env) : null,
		account: null,
		updated_at: null,
		unreadable: cache.unreadable
	};
}

type WhoAmI = { name?: string; type?: string };

/** Asks the Hub who the token belongs to; a token it refuses is a 400. */
async function whoami(token: string): Promise<string | null> {
	try {
		const { data } = await hubJson<WhoAmI>('/api/whoami-v2', {
			headers: { authorization: `Bearer ${token}` },
			what: 'the token check'
		});
		return typeof data?.name === 'string' ? data.name : null;
	} catch (err) {
		if (err instanceof HubAccessError) throw new BadRequestError('The Hugging Face Hub does not accept this token', 'invalid_hub_token');
		throw err;
	}
}

/** Checks a token against the Hub, then stores it sealed and uses it from now on. */
export async function saveHubToken(token: string): Promise<HubTokenStatus> {
	const account = await whoami(token);
	const stored: StoredToken = { sealed: secrets.encryptSecret(token), last4: secrets.lastFour(token), account, updated_at: new Date().toISOString() };
	await getDb()
		.insert(schema.settings)
		.values({ key: KEY, value: stored })
		.onConflictDoUpdate({ target: schema.settings.key, set: { value: stored, updatedAt: new Date() } });
	cache.stored = stored;
	cache.token = token;
	cache.unreadable = false;
	return hubTokenStatus();
}

/** Forgets the saved token (`HF_TOKEN`, when set, applies again). */
export async function clearHubToken(): Promise<HubTokenStatus> {
	await getDb().delete(schema.settings).where(eq(schema.settings.key, KEY));
	cache.stored = null;
	cache.token = null;
	cache.unreadable = false;
	return hubTokenStatus();
}
