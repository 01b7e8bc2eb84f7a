/** What `start` needs to know before it decides: the Hub file, what is already on disk, free space. */
import fsp from 'node:fs/promises';
import { NotFoundError } from '../http/errors';
import { HubAccessError, assertOnline } from '../hub/client';
import { GATED_MESSAGE } from '../hub/access';
import { repoGgufFiles, type RepoFile } from '../hub/files';
import { parseFileName, parseRepoId } from '../hub/ids';
import { bytesOnDisk, targetPath, type Job } from './worker';

export type StartInput = { repo: string; file?: string; revision?: string };

export type PlanOptions = {
	modelsDir: string;
	limitBytes: () => number;
	freeBytes?: (dir: string) => Promise<number>;
};

export type DownloadPlan = {
	repo: string;
	revision: string;
	model: RepoFile;
	modelId: string;
	job: Job;
	/** Every part is already in place. */
	onDisk: boolean;
	/** Bytes already on disk (finished parts and partial files). */
	have: number;
	free: number;
};

async function statfsFree(dir: string): Promise<number> {
	const stats = await fsp.statfs(dir);
	return stats.bavail * stats.bsize;
}

async function isOnDisk(job: Job): Promise<boolean> {
	for (const part of job.parts) {
		const exists = await fsp.stat(targetPath(job, part.file)).then(() => true, () => false);
		if (!exists) return false;
	}
	return true;
}

/** Validates the request (400), asks the Hub for the file (the recommended one when none is named). */
export async function planDownload(input: StartInput, options: PlanOptions): Promise<DownloadPlan> {
	const repo = parseRepoId(input.repo);
	const file = input.file === undefined ? undefined : parseFileName(input.file);
	const revision = input.revision ?? 'main';
	assertOnline();
	const listing = await repoGgufFiles(repo, options.limitBytes(), revision);
	// A gated repo the token cannot open would only fail later, in the transfer.
	if (!listing.has_access) throw new HubAccessError(`${repo} (${GATED_MESSAGE})`);
	const wanted = file ?? listing.recommended;
	const model = listing.files.find((f) => f.file === wanted || f.part_files.some((p) => p.file === wanted));
	if (!model) throw new NotFoundError(`${repo} has no GGUF file ${wanted ?? ''}`.trim(), 'file_not_found');
	const job: Job = { repo, revision, parts: model.part_files, modelsDir: options.modelsDir };
	await fsp.mkdir(options.modelsDir, { recursive: true });
	return {
		repo,
		revision,
		model,
		modelId: `${repo}/${model.file}`,
		job,
		onDisk: await isOnDisk(job),
		have: await bytesOnDisk(job),
		free: await (options.freeBytes ?? statfsFree)(options.modelsDir)
	};
}
