/** Real faults for tests: a small tmpfs that fills up, and a database whose disk is full. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { tempDir } from './server';

/** Mounts a tmpfs of `size` (e.g. `10m`) on a fresh temporary dir (the tests run as root). */
export function mountTmpfs(size: string, prefix = 'llm-manager-tmpfs-'): string {
	const dir = tempDir(prefix);
	execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
	return dir;
}

/** Unmounts lazily: a file may still be held open for a moment by this process. */
export function unmount(dir: string | undefined): void {
	if (dir) execFileSync('umount', ['-l', dir]);
}

/** Writes into `dir` until its file system is full (ENOSPC); returns the filler file to delete later. */
export function fillUp(dir: string): string {
	const file = path.join(dir, 'filler');
	const fd = fs.openSync(file, 'w');
	try {
		for (const chunk = Buffer.alloc(64 * 1024); ; ) fs.writeSync(fd, chunk);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
	} finally {
		fs.closeSync(fd);
	}
	return file;
}

/**
 * Fills the disk of the database in `dataDir`: every write fails (SQLITE_FULL) until the returned
 * filler is deleted. The write-ahead log is emptied first, so that no write finds room in pages it holds.
 */
export async function fillDatabaseDisk(dataDir: string): Promise<string> {
	const db = createClient({ url: `file:${path.join(dataDir, 'llm-manager.db')}` });
	await db.execute('PRAGMA wal_checkpoint(TRUNCATE)');
	db.close();
	return fillUp(dataDir);
}
