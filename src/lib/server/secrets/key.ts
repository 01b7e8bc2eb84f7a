/**
 * The instance key that encrypts secrets at rest. It is independent of the JWT secret (rotating that
 * must not lose stored tokens): derived from `LLM_MANAGER_SECRET_KEY` when set, else 32 random bytes
 * kept in `<data dir>/secret.key`, created once with mode 0600.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getConfig } from '../config';
import { singleton } from '../http/singleton';

export const KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

function derive(material: Buffer | string): Buffer {
	return Buffer.from(hkdfSync('sha256', material, 'llm-manager', 'secrets at rest v1', KEY_BYTES));
}

/** Reads the key file, creating it (0600, never overwritten) when it does not exist yet. */
export function readOrCreateKeyFile(dataDir: string): Buffer {
	const file = path.join(dataDir, KEY_FILE);
	fs.mkdirSync(dataDir, { recursive: true });
	try {
		// `wx`: fails when the file exists, so two processes never replace each other's key.
		fs.writeFileSync(file, randomBytes(KEY_BYTES).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
	}
	const material = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
	if (material.length < KEY_BYTES) throw new Error(`${file} does not hold a ${KEY_BYTES}-byte key`);
	return material;
}

/** The 32-byte AES key of this instance. */
export function instanceKey(): Buffer {
	return singleton('secrets-instance-key', () => {
		const config = getConfig();
		return derive(config.secretKey ?? readOrCreateKeyFile(config.dataDir));
	});
}
