/**
 * A small leveled logger writing one line per event to stdout/stderr.
 *
 * Never pass credentials, prompt or output text in `fields`: values whose key looks like a secret are
 * redacted as a second line of defence.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|password|secret|authorization|cookie|api_?key/i;

let threshold: Level = (process.env.LLM_MANAGER_LOG_LEVEL as Level) in ORDER
	? (process.env.LLM_MANAGER_LOG_LEVEL as Level)
	: 'info';

export function setLogLevel(level: Level): void {
	threshold = level;
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(fields)) out[key] = SECRET_KEY.test(key) ? '[redacted]' : value;
	return out;
}

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
	if (ORDER[level] < ORDER[threshold]) return;
	const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(redact(fields)) : '';
	const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${extra}\n`;
	(level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line);
}

export const log = {
	debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
	info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
	warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
	error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields)
};
