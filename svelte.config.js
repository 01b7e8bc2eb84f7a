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
		csrf: { trustedOrigins: ['*'] }
	}
};

export default config;
