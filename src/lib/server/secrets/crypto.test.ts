import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretUnreadableError, lastFour, open, seal } from './crypto';
import { KEY_FILE, readOrCreateKeyFile } from './key';

describe('seal / open', () => {
	const key = randomBytes(32);

	it('round-trips, with a fresh nonce each time, and never contains the secret', () => {
		const secret = 'hf_abcdefghijklmnopqrstuvwxyz0123';
		const a = seal(secret, key);
		const b = seal(secret, key);
		expect(a).not.toBe(b);
		expect(a).not.toContain(secret);
		expect(a).not.toContain(Buffer.from(secret).toString('base64url'));
		expect(open(a, key)).toBe(secret);
		expect(open(b, key)).toBe(secret);
	});

	it('refuses another key and any change to the sealed text', () => {
		const sealed = seal('hf_secret_value', key);
		expect(() => open(sealed, randomBytes(32))).toThrow(SecretUnreadableError);
		const [v, n, t, body] = sealed.split('.');
		const flipped = Buffer.from(body, 'base64url');
		flipped[0] ^= 1;
		expect(() => open([v, n, t, flipped.toString('base64url')].join('.'), key)).toThrow(SecretUnreadableError);
		expect(() => open('garbage', key)).toThrow(SecretUnreadableError);
		expect(() => open('', key)).toThrow(SecretUnreadableError);
	});

	it('shows only the last four characters', () => {
		expect(lastFour('hf_abcdefgh1234')).toBe('1234');
	});
});

describe('the key file', () => {
	it('is created once with mode 0600 and then reused', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secret-key-'));
		const first = readOrCreateKeyFile(dir);
		const stat = fs.statSync(path.join(dir, KEY_FILE));
		expect(stat.mode & 0o777).toBe(0o600);
		expect(first.length).toBe(32);
		expect(readOrCreateKeyFile(dir).equals(first)).toBe(true);
	});
});
