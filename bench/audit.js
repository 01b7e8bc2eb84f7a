#!/usr/bin/env node
/**
 * Audit benchmark (in-process, the same modules the server runs): recording throughput, the cost
 * audit adds to a request (on vs off in the same run), row written → received by 100 sockets, and
 * query / stats / retention times at 1,000,000 rows. Results: bench/README.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadServerModules } from './lib/server-modules.js';
import { measureLatency, measureSockets, measureThroughput } from './lib/audit-live.js';
import { measureQueries } from './lib/audit-queries.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-manager-bench-audit-'));
Object.assign(process.env, {
	LLM_MANAGER_DATA_DIR: dataDir,
	LLM_MANAGER_JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-signing',
	LLM_MANAGER_LOG_LEVEL: 'warn'
});

const m = await loadServerModules(`
	export { prepareDatabase, getDb, schema } from './src/lib/server/db';
	export { setLogLevel } from './src/lib/server/log';
	export { AuditRecorder } from './src/lib/server/audit/record';
	export { listAuditLogs } from './src/lib/server/audit/query';
	export { auditStats } from './src/lib/server/audit/stats';
	export { AuditListQuery, whereFor } from './src/lib/server/audit/filters';
	export { purgeAuditLogs } from './src/lib/server/audit/retention';
	export { startLiveFeed } from './src/lib/server/audit/live';
	export { getRealtimeHub } from './src/lib/server/realtime/hub';
	export { acceptSocket } from './src/lib/server/realtime/upgrade';
	export { validate } from './src/lib/server/http/parse';
`);
m.setLogLevel('warn');
await m.prepareDatabase();

const results = {};
console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model}), data dir on ${os.tmpdir()}`);
results.throughput = await measureThroughput(m);
results.latency = await measureLatency(m);
results.sockets = await measureSockets(m);
results.queries = await measureQueries(m);
console.log('\nJSON ' + JSON.stringify(results));
fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
