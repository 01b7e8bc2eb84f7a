/**
 * The UI while the server is down: one clear "unreachable" state, no polling storm, and recovery by
 * itself within 2 s of the server answering again (stopped and restarted on the same port).
 */
import path from 'node:path';
import { expect, test, type BrowserContext } from '@playwright/test';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/model.gguf';
let server: TestServer;
let admin: SignedIn;

test.beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL));
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
	const profile = await call(server, 'POST', '/api/profiles', { token: admin.token, body: { name: 'tiny', model_id: MODEL, context_size: 256 } });
	expect(profile.status).toBe(201);
});
test.afterAll(async () => {
	await server?.stop();
});

async function signInBrowser(context: BrowserContext) {
	const [name, value] = admin.cookie.split('=');
	await context.addCookies([{ name, value, url: server.url }]);
}

test('pages say once that the server is unreachable, back off, and recover by themselves', async ({ page, context }) => {
	await signInBrowser(context);
	const audit = await context.newPage();
	await audit.goto(`${server.url}/audit`);
	await expect(audit.getByTestId('live-status')).toHaveText('Live');
	await page.goto(`${server.url}/servers`);
	const card = page.locator('[data-testid="server-card"][data-profile="tiny"]');
	await expect(card).toBeVisible();
	const banner = page.getByTestId('server-unreachable');
	await expect(banner).toHaveCount(0);

	const apiCalls: string[] = [];
	page.on('request', (request) => {
		const { pathname } = new URL(request.url());
		if (pathname.startsWith('/api/') || pathname === '/health') apiCalls.push(pathname);
	});

	const { port, dataDir } = server;
	await server.stop();
	await expect(banner).toBeVisible();
	await expect(banner).toContainText('The server cannot be reached.');
	await expect(audit.getByTestId('server-unreachable')).toBeVisible();
	// Down: the page's own error messages stay quiet (the banner says it) and only /health is probed.
	await expect(page.getByRole('alert')).toHaveCount(1);
	const before = apiCalls.length;
	await page.waitForTimeout(3_000);
	const during = apiCalls.slice(before);
	expect(during.filter((p) => p !== '/health')).toEqual([]);
	expect(during.length).toBeLessThanOrEqual(4);

	server = await startServer({ port, dataDir });
	const back = Date.now();
	await expect(banner).toHaveCount(0, { timeout: 2_000 });
	await expect(audit.getByTestId('server-unreachable')).toHaveCount(0, { timeout: 2_000 });
	await expect(audit.getByTestId('live-status')).toHaveText('Live', { timeout: 2_000 });
	expect(Date.now() - back).toBeLessThan(2_500);
	// And the page works again: loading the profile goes through.
	await card.getByTestId('load-button').click();
	await expect(card).toHaveAttribute('data-state', 'loaded', { timeout: 60_000 });
});
