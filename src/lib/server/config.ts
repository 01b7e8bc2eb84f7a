import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { singleton } from './http/singleton';

export const PLACEHOLDER_JWT_SECRET = 'CHANGE_ME_IN_PRODUCTION_USE_ENV_VAR';

/** `80%` of RAM (+VRAM) or an absolute size such as `48GB`. */
export type MemoryLimit = { kind: 'percent'; value: number } | { kind: 'bytes'; value: number };

const UNITS: Record<string, number> = {
	B: 1,
	K: 1024,
	KB: 1024,
	KIB: 1024,
	M: 1024 ** 2,
	MB: 1024 ** 2,
	MIB: 1024 ** 2,
	G: 1024 ** 3,
	GB: 1024 ** 3,
	GIB: 1024 ** 3,
	T: 1024 ** 4,
	TB: 1024 ** 4,
	TIB: 1024 ** 4
};

export function parseMemoryLimit(text: string): MemoryLimit | null {
	const value = text.trim().toUpperCase();
	const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(value);
	if (percent) {
		const n = Number(percent[1]);
		return n > 0 && n <= 100 ? { kind: 'percent', value: n } : null;
	}
	const size = /^(\d+(?:\.\d+)?)\s*([A-Z]*)$/.exec(value);
	if (!size) return null;
	const unit = UNITS[size[2] || 'B'];
	const bytes = unit ? Math.round(Number(size[1]) * unit) : 0;
	return bytes > 0 ? { kind: 'bytes', value: bytes } : null;
}

/**
 * Keep-alive in milliseconds: `30m`, `1h`, `45s`, `500ms`, a bare number of seconds, `0` (unload after
 * each request) or `-1` (never unload, returned as -1).
 */
export function parseDuration(text: string): number | null {
	const value = text.trim().toLowerCase();
	if (value === '-1') return -1;
	const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value);
	if (!match) return null;
	const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's']!;
	return Math.round(Number(match[1]) * factor);
}

const bool = z
	.string()
	.trim()
	.toLowerCase()
	.refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), 'expected true or false')
	.transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max: number) =>
	z
		.string()
		.trim()
		.regex(/^-?\d+$/, 'expected an integer')
		.transform(Number)
		.refine((n) => n >= min && n <= max, `expected an integer from ${min} to ${max}`);

const memoryLimit = z.string().transform((v, ctx) => {
	const parsed = parseMemoryLimit(v);
	if (!parsed) {
		ctx.addIssue({ code: 'custom', message: 'expected a percentage such as 80% or a size such as 48GB' });
		return z.NEVER;
	}
	return parsed;
});

const duration = z.string().transform((v, ctx) => {
	const parsed = parseDuration(v);
	if (parsed === null) {
		ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30m, 1h, 0 or -1' });
		return z.NEVER;
	}
	return parsed;
});

function defaultThreads(): number {
	return Math.max(1, os.availableParallelism() - 1);
}

const EnvSchema = z.object({
	LLM_MANAGER_HOST: z.string().trim().min(1).default('127.0.0.1'),
	LLM_MANAGER_PORT: int(0, 65535).default(10242),
	LLM_MANAGER_DATA_DIR: z.string().trim().min(1).optional(),
	LLM_MANAGER_DATABASE_URL: z
		.string()
		.trim()
		.regex(/^(file:|libsql:\/\/|https?:\/\/|wss?:\/\/)/, 'expected a file:, libsql://, http(s):// or ws(s):// URL')
		.optional(),
	LLM_MANAGER_DATABASE_AUTH_TOKEN: z.string().optional(),
	LLM_MANAGER_MODELS_DIR: z.string().trim().min(1).optional(),
	LLM_MANAGER_JWT_SECRET: z.string().min(1).default(PLACEHOLDER_JWT_SECRET),
	LLM_MANAGER_JWT_EXPIRE_DAYS: z
		.string()
		.trim()
		.regex(/^\d+(\.\d+)?$/, 'expected a number of days')
		.transform(Number)
		.refine((n) => n > 0 && n <= 3650, 'expected a number of days above 0, at most 3650')
		.default(7),
	HF_ENDPOINT: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://huggingface.co'),
	HF_TOKEN: z.string().trim().optional(),
	LLM_MANAGER_OFFLINE: bool.default(false),
	LLM_MANAGER_MAX_MEMORY: memoryLimit.default({ kind: 'percent', value: 80 }),
	LLM_MANAGER_MAX_MODELS: int(1, 64).default(4),
	LLM_MANAGER_KEEP_ALIVE: duration.default(30 * 60_000),
	LLM_MANAGER_GPU: z.enum(['auto', 'cuda', 'metal', 'vulkan', 'false']).default('auto'),
	LLM_MANAGER_THREADS: int(1, 1024).optional(),
	LLM_MANAGER_PARALLEL: int(1, 256).default(4),
	LLM_MANAGER_CONTEXT_SIZE: int(64, 1_048_576).default(8192),
	LLM_MANAGER_MAX_QUEUE: int(0, 100_000).default(64),
	LLM_MANAGER_AUDIT_RETENTION_DAYS: int(1, 36500).default(30),
	LLM_MANAGER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
	LLM_MANAGER_MAX_DOWNLOADS: int(1, 16).default(2),
	LLM_MANAGER_DOWNLOAD_STALL_SECONDS: int(1, 3600).default(30),
	LLM_MANAGER_DOWNLOAD_CONNECTIONS: int(1, 64).default(8),
	LLM_MANAGER_EXTRA_MODEL_DIRS: z.string().optional(),
	HF_HUB_CACHE: z.string().trim().min(1).optional(),
	HF_HOME: z.string().trim().min(1).optional(),
	LLAMA_CACHE: z.string().trim().min(1).optional(),
	LLM_MANAGER_REQUEST_TIMEOUT: duration.default(10 * 60_000),
	LLM_MANAGER_METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
	LLM_MANAGER_METRICS_PER_USER: bool.default(false),
	LLM_MANAGER_SECRET_KEY: z.string().trim().min(32, 'must be at least 32 characters').optional(),
	LLM_MANAGER_HUB_TIMEOUT: duration.refine((ms) => ms > 0, 'expected a duration above 0').default(15_000),
	LLM_MANAGER_MODEL_CHECK_TIMEOUT: duration.refine((ms) => ms > 0, 'expected a duration above 0').default(120_000),
	LLM_MANAGER_REGISTRATIONS_PER_HOUR: int(0, 1_000_000).default(10),
	LLM_MANAGER_ALLOWED_HOSTS: z
		.string()
		.transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
		.refine((list) => list.every((h) => h === '*' || /^[\w.:\-\[\]]+$/.test(h)), 'expected host names separated by commas, or *')
		.optional(),
	LLM_MANAGER_CORS_ORIGINS: z
		.string()
		.transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
		.refine(
			(list) => list.every((o) => o === '*' || /^[a-z][a-z0-9+.-]*:\/\/[\w.\-\[\]]+(:(\d+|\*))?$/i.test(o)),
			'expected origins such as https://app.example.com or http://localhost:* separated by commas, or *'
		)
		.default(['http://localhost:*', 'http://127.0.0.1:*'])
});

export type Config = {
	host: string;
	port: number;
	dataDir: string;
	databaseUrl: string;
	databaseAuthToken: string | undefined;
	modelsDir: string;
	jwtSecret: string;
	jwtExpireDays: number;
	hfEndpoint: string;
	hfToken: string | undefined;
	offline: boolean;
	maxMemory: MemoryLimit;
	maxModels: number;
	keepAliveMs: number;
	gpu: 'auto' | 'cuda' | 'metal' | 'vulkan' | false;
	threads: number;
	/** Parallel sequences of a model requested by its bare id (no profile). */
	parallel: number;
	/** Context size per sequence of a bare model id, capped at the model's trained context. */
	contextSize: number;
	/** Requests that may wait for a sequence, per loaded model; more get 429. */
	maxQueue: number;
	auditRetentionDays: number;
	logLevel: 'debug' | 'info' | 'warn' | 'error';
	maxConcurrentDownloads: number;
	downloadStallMs: number;
	/** Connections to the Hub for downloads: one file's parts at once, and all downloads together. */
	downloadConnections: number;
	/** Folders of models other tools downloaded, listed and loaded read-only (absolute paths). */
	extraModelDirs: string[];
	/** Longest a `/v1` request may take, waiting and generating (504 after); 0 = no limit. */
	requestTimeoutMs: number;
	/** A Bearer token that may read `/metrics` (besides an admin's credentials). */
	metricsToken: string | undefined;
	/** Label `/v1` metrics by user too (one series per user: opt-in). */
	metricsPerUser: boolean;
	/** Encrypts secrets stored in the database; else a key file in the data dir is used. */
	secretKey: string | undefined;
	/** Longest a Hub API request may take (connecting, headers and body); for downloads, until the headers. */
	hubTimeoutMs: number;
	/** Time limit of the child-process check of a model file before its first load. */
	modelCheckTimeoutMs: number;
	/** Accounts one address may register per hour; 0 = no limit. */
	registrationsPerHour: number;
	/** `Host` names answered besides IP addresses (null = the defaults; `*` = any). */
	allowedHosts: string[] | null;
	/** Browser origins allowed to call `/v1` (`*` = any; a port of `*` = any port). */
	corsOrigins: string[];
};

export class ConfigError extends Error {
	constructor(readonly variable: string, detail: string) {
		super(`Invalid configuration: ${variable}: ${detail}`);
		this.name = 'ConfigError';
	}
}

function expandHome(p: string): string {
	return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * `LLM_MANAGER_EXTRA_MODEL_DIRS`: folders separated by `path.delimiter` (`:`; `;` on Windows), each a
 * path or a name: `hf` (the Hugging Face cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else
 * `~/.cache/huggingface/hub`), `lmstudio` (`~/.lmstudio/models`), `llama.cpp` (`LLAMA_CACHE`, else
 * `~/.cache/llama.cpp`).
 */
function extraModelDirs(e: { LLM_MANAGER_EXTRA_MODEL_DIRS?: string; HF_HUB_CACHE?: string; HF_HOME?: string; LLAMA_CACHE?: string }): string[] {
	const named: Record<string, string> = {
		hf: e.HF_HUB_CACHE ?? path.join(e.HF_HOME ?? '~/.cache/huggingface', 'hub'),
		lmstudio: '~/.lmstudio/models',
		'llama.cpp': e.LLAMA_CACHE ?? '~/.cache/llama.cpp'
	};
	const dirs = (e.LLM_MANAGER_EXTRA_MODEL_DIRS ?? '')
		.split(path.delimiter)
		.map((d) => d.trim())
		.filter(Boolean)
		.map((d) => path.resolve(expandHome(named[d.toLowerCase()] ?? d)));
	return [...new Set(dirs)];
}

/** Parses the environment. Throws `ConfigError` naming the first bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
	// Empty strings count as unset, as in most shells' `VAR= cmd` usage.
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const result = EnvSchema.safeParse(cleaned);
	if (!result.success) {
		const issue = result.error.issues[0];
		throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
	}
	const e = result.data;
	const dataDir = path.resolve(expandHome(e.LLM_MANAGER_DATA_DIR ?? '~/.llm-manager'));
	const databaseUrl = e.LLM_MANAGER_DATABASE_URL ?? `file:${path.join(dataDir, 'llm-manager.db')}`;
	return {
		host: e.LLM_MANAGER_HOST,
		port: e.LLM_MANAGER_PORT,
		dataDir,
		databaseUrl,
		databaseAuthToken: e.LLM_MANAGER_DATABASE_AUTH_TOKEN,
		modelsDir: path.resolve(expandHome(e.LLM_MANAGER_MODELS_DIR ?? path.join(dataDir, 'models'))),
		jwtSecret: e.LLM_MANAGER_JWT_SECRET,
		jwtExpireDays: e.LLM_MANAGER_JWT_EXPIRE_DAYS,
		hfEndpoint: e.HF_ENDPOINT.replace(/\/+$/, ''),
		hfToken: e.HF_TOKEN || undefined,
		offline: e.LLM_MANAGER_OFFLINE,
		maxMemory: e.LLM_MANAGER_MAX_MEMORY,
		maxModels: e.LLM_MANAGER_MAX_MODELS,
		keepAliveMs: e.LLM_MANAGER_KEEP_ALIVE,
		gpu: e.LLM_MANAGER_GPU === 'false' ? false : e.LLM_MANAGER_GPU,
		threads: e.LLM_MANAGER_THREADS ?? defaultThreads(),
		parallel: e.LLM_MANAGER_PARALLEL,
		contextSize: e.LLM_MANAGER_CONTEXT_SIZE,
		maxQueue: e.LLM_MANAGER_MAX_QUEUE,
		auditRetentionDays: e.LLM_MANAGER_AUDIT_RETENTION_DAYS,
		logLevel: e.LLM_MANAGER_LOG_LEVEL,
		maxConcurrentDownloads: e.LLM_MANAGER_MAX_DOWNLOADS,
		downloadStallMs: e.LLM_MANAGER_DOWNLOAD_STALL_SECONDS * 1000,
		downloadConnections: e.LLM_MANAGER_DOWNLOAD_CONNECTIONS,
		extraModelDirs: extraModelDirs(e),
		requestTimeoutMs: Math.max(0, e.LLM_MANAGER_REQUEST_TIMEOUT),
		metricsToken: e.LLM_MANAGER_METRICS_TOKEN,
		metricsPerUser: e.LLM_MANAGER_METRICS_PER_USER,
		secretKey: e.LLM_MANAGER_SECRET_KEY,
		hubTimeoutMs: e.LLM_MANAGER_HUB_TIMEOUT,
		modelCheckTimeoutMs: e.LLM_MANAGER_MODEL_CHECK_TIMEOUT,
		registrationsPerHour: e.LLM_MANAGER_REGISTRATIONS_PER_HOUR,
		allowedHosts: e.LLM_MANAGER_ALLOWED_HOSTS?.length ? e.LLM_MANAGER_ALLOWED_HOSTS : null,
		corsOrigins: e.LLM_MANAGER_CORS_ORIGINS
	};
}

/** Warnings to log at start-up (weak or placeholder JWT secret). */
export function configWarnings(config: Config): string[] {
	const warnings: string[] = [];
	if (config.jwtSecret === PLACEHOLDER_JWT_SECRET) {
		warnings.push('JWT secret is using default placeholder. Set LLM_MANAGER_JWT_SECRET for production use.');
	} else if (config.jwtSecret.length < 32) {
		warnings.push('JWT secret is shorter than 32 characters. Use a long random LLM_MANAGER_JWT_SECRET.');
	}
	return warnings;
}

/** The process configuration, parsed once from `process.env`. */
export function getConfig(): Config {
	return singleton('config', () => parseConfig(process.env));
}
