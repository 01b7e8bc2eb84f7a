import type { schema } from '../db';
import { BadRequestError, ConflictError } from '../http/errors';

/**
 * Every name `/v1` resolves must mean one thing: a profile's aliases may not repeat its name, nor any
 * other profile's name or alias (local model ids cannot clash: an alias never ends in `.gguf`), and
 * a profile's name may not be another profile's alias.
 */
export function checkNames(all: schema.Profile[], name: string, aliases: string[], exceptId?: string): void {
	const others = all.filter((p) => p.id !== exceptId);
	const aliasOwner = others.find((p) => p.aliases.includes(name));
	if (aliasOwner) throw new ConflictError(`"${name}" is already an alias of the profile "${aliasOwner.name}"`, 'duplicate_name');
	for (const alias of aliases) {
		if (alias === name) throw new BadRequestError(`The alias "${alias}" is the profile's own name`, 'alias_conflict');
		const named = others.find((p) => p.name === alias);
		if (named) throw new BadRequestError(`The alias "${alias}" would shadow the profile "${named.name}"`, 'alias_conflict');
		const aliased = others.find((p) => p.aliases.includes(alias));
		if (aliased) throw new BadRequestError(`The alias "${alias}" already names the profile "${aliased.name}"`, 'alias_conflict');
	}
}
