/**
 * Secrets at rest (the Hub token, remote backends' API keys): everything that handles key material
 * goes through here. Callers store the sealed text and show at most `lastFour`.
 */
import { open, seal } from './crypto';
import { instanceKey } from './key';

export { SecretUnreadableError, lastFour } from './crypto';
export { KEY_FILE } from './key';

/** Encrypts a secret with the instance key. */
export function encryptSecret(plaintext: string): string {
	return seal(plaintext, instanceKey());
}

/** Decrypts what `encryptSecret` made; throws `SecretUnreadableError` when the key does not fit. */
export function decryptSecret(sealed: string): string {
	return open(sealed, instanceKey());
}
