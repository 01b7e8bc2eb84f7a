import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin, ViteDevServer } from 'vite';
import { defineConfig } from 'vitest/config';

const SOCKET_PATHS = ['/api/system/ws/'];

/**
 * Serves the app's WebSocket endpoints under `vite dev` with the same upgrade handler the production
 * server uses. Vite's own HMR socket is left alone.
 */
function appWebSockets(): Plugin {
	return {
		name: 'llm-manager-websockets',
		configureServer(server: ViteDevServer) {
			server.httpServer?.on('upgrade', async (req, socket, head) => {
				const path = (req.url ?? '').split('?')[0];
				if (!SOCKET_PATHS.some((prefix) => path.startsWith(prefix))) return;
				try {
					// A socket may arrive before any page request has run the app's `init` hook.
					const app = await server.ssrLoadModule('/src/lib/server/app.ts');
					await app.startApp();
					const mod = await server.ssrLoadModule('/src/lib/server/realtime/upgrade.ts');
					await mod.handleUpgrade(req, socket, head);
				} catch (err) {
					server.config.logger.error(`WebSocket upgrade failed: ${String(err)}`);
					socket.destroy();
				}
			});
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), appWebSockets()],
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 120_000,
					maxWorkers: 2
				}
			}
		]
	}
});
