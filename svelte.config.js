import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build', precompress: false }),
		version: { name: pkg.version },
		// The token validator in hooks.server.ts performs its own Origin check: it must also accept
		// OAuth2 password-form logins from programs, which send no Origin header at all.
		csrf: { trustedOrigins: ['*'] },
		// Pages run only their own scripts (nonces), talk only to their own origin (fetch, SSE and the
		// audit WebSocket) and cannot be framed by another site (clickjacking of the admin pages).
		// Inline `style` attributes (progress bars, gauges) need 'unsafe-inline' for styles only.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
