/**
 * The interactive API reference at `/docs`: Swagger UI from the `swagger-ui-dist` package, served by
 * the app itself (no CDN), over `/api/openapi.json`. Only the listed files are served.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { NotFoundError } from '../http/errors';

const require = createRequire(import.meta.url);

const ASSETS: Record<string, string> = {
	'swagger-ui.css': 'text/css; charset=utf-8',
	'swagger-ui-bundle.js': 'text/javascript; charset=utf-8'
};

/** Starts Swagger UI; a file of its own so that the page needs no inline script under the CSP. */
const INIT = `window.addEventListener('load', () => {
	window.ui = SwaggerUIBundle({
		url: '/api/openapi.json',
		dom_id: '#reference',
		deepLinking: true,
		persistAuthorization: false,
		tryItOutEnabled: false
	});
});
`;

/** Scripts only from this origin; Swagger UI sets inline styles and uses data: images. */
export const DOCS_CSP = [
	"default-src 'self'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src 'self' data:",
	"connect-src 'self'",
	"object-src 'none'",
	"base-uri 'self'",
	"form-action 'self'",
	"frame-ancestors 'none'"
].join('; ');

export function docsPage(): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · LLM Manager</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}

function distDir(): string {
	return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

/** One file of the reference page: its bytes and content type. Anything else is 404. */
export async function docsAsset(name: string): Promise<{ body: string; contentType: string }> {
	if (name === 'init.js') return { body: INIT, contentType: 'text/javascript; charset=utf-8' };
	const contentType = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
	if (!contentType) throw new NotFoundError(`No such file: ${name}`);
	return { body: await fs.readFile(path.join(distDir(), name), 'utf8'), contentType };
}
