import fs from 'node:fs/promises';

/**
 * A bounded walk over a GGUF header (magic, version, metadata, tensor infos) before any library
 * parses it: a truncated or corrupt file can make a parser loop or allocate without bound, and
 * llama.cpp aborts the whole process on some malformed files. Throws an Error naming the problem.
 */
const CHUNK = 1024 * 1024;
const MAX_HEADER = 512 * 1024 * 1024;
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

class Reader {
	#buffer = Buffer.alloc(0);
	#start = 0;
	offset = 0;
	constructor(
		private readonly file: fs.FileHandle,
		readonly size: number
	) {}

	async need(n: number): Promise<void> {
		if (n < 0 || this.offset + n > this.size) throw new Error('the GGUF header runs past the end of the file');
		if (this.offset + n > MAX_HEADER) throw new Error('the GGUF header is implausibly large');
		if (this.offset + n <= this.#start + this.#buffer.length) return;
		const length = Math.min(Math.max(n, CHUNK), this.size - this.offset);
		const buffer = Buffer.alloc(length);
		await this.file.read(buffer, 0, length, this.offset);
		this.#buffer = buffer;
		this.#start = this.offset;
	}
	async u32(): Promise<number> {
		await this.need(4);
		const v = this.#buffer.readUInt32LE(this.offset - this.#start);
		this.offset += 4;
		return v;
	}
	async u64(): Promise<number> {
		await this.need(8);
		const v = this.#buffer.readBigUInt64LE(this.offset - this.#start);
		this.offset += 8;
		if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('a GGUF count or size is out of range');
		return Number(v);
	}
	async string(): Promise<string> {
		const length = await this.u64();
		if (length > 16 * 1024 * 1024) throw new Error('a GGUF string is implausibly long');
		await this.need(length);
		const s = this.#buffer.toString('utf8', this.offset - this.#start, this.offset - this.#start + length);
		this.offset += length;
		return s;
	}
	async skip(n: number): Promise<void> {
		if (n < 0 || this.offset + n > this.size) throw new Error('the GGUF header runs past the end of the file');
		this.offset += n;
	}
}

async function skipValue(r: Reader, type: number, depth = 0): Promise<unknown> {
	if (type === STRING) return r.string();
	if (type === ARRAY) {
		if (depth > 2) throw new Error('GGUF arrays are nested too deep');
		const itemType = await r.u32();
		const count = await r.u64();
		if (itemType in SCALAR_SIZE) return r.skip(count * SCALAR_SIZE[itemType]);
		if (itemType !== STRING && itemType !== ARRAY) throw new Error(`unknown GGUF value type ${itemType}`);
		if (count > r.size) throw new Error('a GGUF array is longer than the file');
		for (let i = 0; i < count; i++) await skipValue(r, itemType, depth + 1);
		return undefined;
	}
	const size = SCALAR_SIZE[type];
	if (size === undefined) throw new Error(`unknown GGUF value type ${type}`);
	await r.skip(size);
	return undefined;
}

export async function checkGgufHeader(path: string): Promise<void> {
	const file = await fs.open(path, 'r');
	try {
		const r = new Reader(file, (await file.stat()).size);
		await r.need(4);
		const magic = Buffer.alloc(4);
		await file.read(magic, 0, 4, 0);
		if (magic.toString('latin1') !== 'GGUF') throw new Error('not a GGUF file');
		r.offset = 4;
		const version = await r.u32();
		if (version !== 2 && version !== 3) throw new Error(`unsupported GGUF version ${version}`);
		const tensors = await r.u64();
		const kvs = await r.u64();
		if (tensors === 0 || tensors > 1_000_000) throw new Error(`implausible GGUF tensor count ${tensors}`);
		if (kvs > 1_000_000) throw new Error(`implausible GGUF metadata count ${kvs}`);
		let architecture: unknown = null;
		for (let i = 0; i < kvs; i++) {
			const key = await r.string();
			const value = await skipValue(r, await r.u32());
			if (key === 'general.architecture') architecture = value;
		}
		if (typeof architecture !== 'string' || architecture === '') throw new Error('the GGUF file names no architecture');
		for (let i = 0; i < tensors; i++) {
			await r.string();
			const dims = await r.u32();
			if (dims === 0 || dims > 8) throw new Error('a GGUF tensor has an implausible number of dimensions');
			for (let d = 0; d < dims; d++) await r.u64();
			await r.u32();
			if ((await r.u64()) > r.size) throw new Error('a GGUF tensor lies past the end of the file');
		}
	} finally {
		await file.close();
	}
}
