/**
 * The JSON of a streamed text piece, built from text around the piece: the chunk's fixed fields are
 * serialised once per stream, and each token only serialises its own text. The result equals
 * `JSON.stringify` of the chunk object, key order included.
 */
export function textChunks(
	base: Record<string, unknown>,
	piece: (text: string) => Record<string, unknown>,
	after: Record<string, unknown> = {}
): (index: number, text: string) => string {
	const marker = '\u0000piece\u0000';
	const head = JSON.stringify(base).slice(0, -1);
	const open = `${head}${head.length > 1 ? ',' : ''}"choices":[{"index":`;
	const [before, behind] = JSON.stringify(piece(marker)).split(JSON.stringify(marker));
	const rest = JSON.stringify(after).slice(1);
	const close = `${behind}]${rest.length > 1 ? ',' : ''}${rest}`;
	return (index, text) => `${open}${index},${before.slice(1)}${JSON.stringify(text)}${close}`;
}
