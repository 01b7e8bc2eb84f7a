/**
 * Authenticated encryption of small secrets (AES-256-GCM, a fresh 12-byte nonce each time). A sealed
 * value is `v1.<nonce>.<tag>.<ciphertext>` in base64url: it says nothing about the secret's length
 * beyond the ciphertext's, and any change to it fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class SecretUnreadableError extends Error {
	constructor() {
		super('A stored secret cannot be decrypted with this instance key (was the key changed?)');
		this.name = 'SecretUnreadableError';
	}
}

export function seal(plaintext: string, key: Buffer): string {
	const nonce = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key, nonce);
	const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	return [VERSION, nonce, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function open(sealed: string, key: Buffer): string {
	const [version, nonce, tag, body] = sealed.split('.');
	if (version !== VERSION || !nonce || !tag || body === undefined) throw new SecretUnreadableError();
	try {
		const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
		decipher.setAuthTag(Buffer.from(tag, 'base64url'));
		return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
	} catch {
		throw new SecretUnreadableError();
	}
}

/** What may be shown of a secret: its last 4 characters. */
export function lastFour(secret: string): string {
	return secret.slice(-4);
}
