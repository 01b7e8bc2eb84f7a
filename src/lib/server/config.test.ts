import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import {
	ConfigError,
	PLACEHOLDER_JWT_SECRET,
	configWarnings,
	parseConfig,
	parseDuration,
	parseMemoryLimit
} from './config';

const GIB = 1024 ** 3;

function configError(env: Record<string, string>): ConfigError {
	try {
		parseConfig(env);
	} catch (err) {
		if (err instanceof ConfigError) return err;
		throw err;
	}
	throw new Error('expected a ConfigError');
}

describe('parseConfig defaults', () => {
	const config = parseConfig({});
	const home = path.join(os.homedir(), '.llm-manager');

	it('uses the documented defaults', () => {
		expect(config).toMatchObject({
			host: '127.0.0.1',
			port: 10242,
			dataDir: home,
			databaseUrl: `file:${path.join(home, 'llm-manager.db')}`,
			databaseAuthToken: undefined,
			modelsDir: path.join(home, 'models'),
			jwtSecret: PLACEHOLDER_JWT_SECRET,
			jwtExpireDays: 7,
			hfEndpoint: 'https://huggingface.co',
			hfToken: undefined,
			offline: false,
			maxMemory: { kind: 'percent', value: 80 },
			maxModels: 4,
			keepAliveMs: 30 * 60_000,
			gpu: 'auto',
			auditRetentionDays: 30,
			logLevel: 'info',
			maxConcurrentDownloads: 2,
			downloadStallMs: 30_000,
			downloadConnections: 8,
			extraModelDirs: [],
			requestTimeoutMs: 600_000
		});
	});

	it('defaults threads to cores - 1, at least 1', () => {
		expect(config.threads).toBe(Math.max(1, os.availableParallelism() - 1));
	});

	it('treats empty strings as unset', () => {
		expect(parseConfig({ LLM_MANAGER_PORT: '', LLM_MANAGER_GPU: '' })).toMatchObject({ port: 10242, gpu: 'auto' });
	});
});

describe('parseConfig with every variable set', () => {
	it('reads each variable', () => {
		const config = parseConfig({
			LLM_MANAGER_HOST: '0.0.0.0',
			LLM_MANAGER_PORT: '8080',
			LLM_MANAGER_DATA_DIR: '/srv/llm',
			LLM_MANAGER_DATABASE_URL: 'libsql://db.example.com',
			LLM_MANAGER_DATABASE_AUTH_TOKEN: 'db-token',
			LLM_MANAGER_MODELS_DIR: '/models',
			LLM_MANAGER_JWT_SECRET: 'x'.repeat(40),
			LLM_MANAGER_JWT_EXPIRE_DAYS: '2',
			HF_ENDPOINT: 'http://127.0.0.1:9999/',
			HF_TOKEN: 'hf_abc',
			LLM_MANAGER_OFFLINE: 'true',
			LLM_MANAGER_MAX_MEMORY: '48GB',
			LLM_MANAGER_MAX_MODELS: '2',
			LLM_MANAGER_KEEP_ALIVE: '-1',
			LLM_MANAGER_GPU: 'false',
			LLM_MANAGER_THREADS: '3',
			LLM_MANAGER_PARALLEL: '6',
			LLM_MANAGER_CONTEXT_SIZE: '4096',
			LLM_MANAGER_MAX_QUEUE: '10',
			LLM_MANAGER_AUDIT_RETENTION_DAYS: '90',
			LLM_MANAGER_LOG_LEVEL: 'debug',
			LLM_MANAGER_MAX_DOWNLOADS: '4',
			LLM_MANAGER_DOWNLOAD_STALL_SECONDS: '10',
			LLM_MANAGER_DOWNLOAD_CONNECTIONS: '4',
			LLM_MANAGER_EXTRA_MODEL_DIRS: '/mnt/lmstudio:hf: /opt/models :/mnt/lmstudio',
			HF_HUB_CACHE: '/cache/hf-hub',
			LLM_MANAGER_REQUEST_TIMEOUT: '90s',
			LLM_MANAGER_METRICS_TOKEN: 'scrape-token-0123456789',
			LLM_MANAGER_METRICS_PER_USER: 'true',
			LLM_MANAGER_SECRET_KEY: 'k'.repeat(40),
			LLM_MANAGER_REGISTRATIONS_PER_HOUR: '3',
			LLM_MANAGER_HUB_TIMEOUT: '20s',
			LLM_MANAGER_MODEL_CHECK_TIMEOUT: '45s',
			LLM_MANAGER_ALLOWED_HOSTS: 'llm.example.com, gpu-box',
			LLM_MANAGER_CORS_ORIGINS: 'https://app.example.com, http://localhost:*'
		});
		expect(config).toEqual({
			host: '0.0.0.0',
			port: 8080,
			dataDir: '/srv/llm',
			databaseUrl: 'libsql://db.example.com',
			databaseAuthToken: 'db-token',
			modelsDir: '/models',
			jwtSecret: 'x'.repeat(40),
			jwtExpireDays: 2,
			hfEndpoint: 'http://127.0.0.1:9999',
			hfToken: 'hf_abc',
			offline: true,
			maxMemory: { kind: 'bytes', value: 48 * GIB },
			maxModels: 2,
			keepAliveMs: -1,
			gpu: false,
			threads: 3,
			parallel: 6,
			contextSize: 4096,
			maxQueue: 10,
			auditRetentionDays: 90,
			logLevel: 'debug',
			maxConcurrentDownloads: 4,
			downloadStallMs: 10_000,
			downloadConnections: 4,
			extraModelDirs: ['/mnt/lmstudio', '/cache/hf-hub', '/opt/models'],
			requestTimeoutMs: 90_000,
			metricsToken: 'scrape-token-0123456789',
			metricsPerUser: true,
			secretKey: 'k'.repeat(40),
			registrationsPerHour: 3,
			hubTimeoutMs: 20_000,
			modelCheckTimeoutMs: 45_000,
			allowedHosts: ['llm.example.com', 'gpu-box'],
			corsOrigins: ['https://app.example.com', 'http://localhost:*']
		});
	});

	it('resolves the named extra model dirs by the other tools\' conventions', () => {
		const home = os.homedir();
		expect(parseConfig({ LLM_MANAGER_EXTRA_MODEL_DIRS: 'hf:lmstudio:llama.cpp:~/gguf' }).extraModelDirs).toEqual([
			path.join(home, '.cache/huggingface/hub'),
			path.join(home, '.lmstudio/models'),
			path.join(home, '.cache/llama.cpp'),
			path.join(home, 'gguf')
		]);
		expect(parseConfig({ LLM_MANAGER_EXTRA_MODEL_DIRS: 'hf:llama.cpp', HF_HOME: '/data/hf', LLAMA_CACHE: '/data/llama' }).extraModelDirs).toEqual([
			'/data/hf/hub',
			'/data/llama'
		]);
	});

	it('derives the database and models paths from the data dir and expands ~', () => {
		const config = parseConfig({ LLM_MANAGER_DATA_DIR: '~/llm' });
		expect(config.dataDir).toBe(path.join(os.homedir(), 'llm'));
		expect(config.databaseUrl).toBe(`file:${path.join(os.homedir(), 'llm', 'llm-manager.db')}`);
		expect(config.modelsDir).toBe(path.join(os.homedir(), 'llm', 'models'));
	});

	it.each([
		['1', true],
		['yes', true],
		['ON', true],
		['0', false],
		['no', false],
		['off', false]
	])('reads LLM_MANAGER_OFFLINE=%s as %s', (value, expected) => {
		expect(parseConfig({ LLM_MANAGER_OFFLINE: value }).offline).toBe(expected);
	});
});

describe('bad values stop start-up naming the variable', () => {
	it.each([
		['LLM_MANAGER_PORT', 'abc'],
		['LLM_MANAGER_PORT', '70000'],
		['LLM_MANAGER_PORT', '80.5'],
		['LLM_MANAGER_DATABASE_URL', 'mysql://db'],
		['LLM_MANAGER_JWT_EXPIRE_DAYS', '0'],
		['LLM_MANAGER_JWT_EXPIRE_DAYS', 'week'],
		['HF_ENDPOINT', 'not a url'],
		['HF_ENDPOINT', 'ftp://hub.example'],
		['LLM_MANAGER_OFFLINE', 'maybe'],
		['LLM_MANAGER_MAX_MEMORY', 'lots'],
		['LLM_MANAGER_MAX_MEMORY', '150%'],
		['LLM_MANAGER_MAX_MEMORY', '0GB'],
		['LLM_MANAGER_MAX_MODELS', '0'],
		['LLM_MANAGER_KEEP_ALIVE', 'forever'],
		['LLM_MANAGER_KEEP_ALIVE', '-5'],
		['LLM_MANAGER_GPU', 'rocm'],
		['LLM_MANAGER_THREADS', '0'],
		['LLM_MANAGER_AUDIT_RETENTION_DAYS', '-1'],
		['LLM_MANAGER_LOG_LEVEL', 'verbose'],
		['LLM_MANAGER_MAX_DOWNLOADS', 'two'],
		['LLM_MANAGER_DOWNLOAD_STALL_SECONDS', '0'],
		['LLM_MANAGER_DOWNLOAD_CONNECTIONS', '0'],
		['LLM_MANAGER_DOWNLOAD_CONNECTIONS', 'many'],
		['LLM_MANAGER_REQUEST_TIMEOUT', 'soon']
	])('%s=%s', (variable, value) => {
		const err = configError({ [variable]: value });
		expect(err.variable).toBe(variable);
		expect(err.message).toContain(variable);
	});
});

describe('parseMemoryLimit', () => {
	it.each([
		['80%', { kind: 'percent', value: 80 }],
		['12.5 %', { kind: 'percent', value: 12.5 }],
		['100%', { kind: 'percent', value: 100 }],
		['48GB', { kind: 'bytes', value: 48 * GIB }],
		['48gb', { kind: 'bytes', value: 48 * GIB }],
		['1.5G', { kind: 'bytes', value: 1.5 * GIB }],
		['512MiB', { kind: 'bytes', value: 512 * 1024 ** 2 }],
		['2TB', { kind: 'bytes', value: 2 * 1024 ** 4 }],
		['1024', { kind: 'bytes', value: 1024 }]
	])('%s', (text, expected) => {
		expect(parseMemoryLimit(text)).toEqual(expected);
	});

	it.each(['0%', '101%', '-5%', '0', 'lots', '48 parsecs', '', '%'])('refuses %j', (text) => {
		expect(parseMemoryLimit(text)).toBeNull();
	});
});

describe('parseDuration', () => {
	it.each([
		['30m', 30 * 60_000],
		['1h', 3_600_000],
		['45s', 45_000],
		['500ms', 500],
		['2d', 2 * 86_400_000],
		['90', 90_000],
		['0', 0],
		['-1', -1],
		[' 1.5M ', 90_000]
	])('%j', (text, expected) => {
		expect(parseDuration(text)).toBe(expected);
	});

	it.each(['-5', 'soon', '10 minutes', '', 'm'])('refuses %j', (text) => {
		expect(parseDuration(text)).toBeNull();
	});
});

describe('configWarnings', () => {
	it('warns about the placeholder secret with the exact message', () => {
		expect(configWarnings(parseConfig({}))).toEqual([
			'JWT secret is using default placeholder. Set LLM_MANAGER_JWT_SECRET for production use.'
		]);
	});

	it('warns about a secret shorter than 32 characters', () => {
		const warnings = configWarnings(parseConfig({ LLM_MANAGER_JWT_SECRET: 'short-secret' }));
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/shorter than 32 characters/);
	});

	it('is quiet for a long secret', () => {
		expect(configWarnings(parseConfig({ LLM_MANAGER_JWT_SECRET: 'k'.repeat(32) }))).toEqual([]);
	});
});
