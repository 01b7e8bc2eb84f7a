import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type BrowserContext } from '@playwright/test';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { seedAuditRows } from '../helpers/audit';
import { call, signUp, startServer, tempDir, type SignedIn, type TestServer } from '../helpers/server';

const MODEL = 'test/tiny/model.gguf';
let server: TestServer;
let admin: SignedIn;

test.beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL));
	server = await startServer({ dataDir });
	admin = await signUp(server, 'admin@example.com');
});

test.afterAll(async () => {
	await server?.stop();
});

async function signInBrowser(context: BrowserContext, who: SignedIn) {
	const [name, value] = who.cookie.split('=');
	await context.addCookies([{ name, value, url: server.url }]);
}

/** A /v1 request from outside the browser (a program with a token); returns its request id. */
async function v1Request(who: SignedIn, model = MODEL): Promise<string> {
	const res = await call(server, 'POST', '/v1/chat/completions', {
		token: who.token,
		body: { model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 }
	});
	return res.body.id?.replace(/^chatcmpl-/, '') ?? '';
}

test('a request made elsewhere appears live in the table, and stats follow', async ({ page, context }) => {
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/audit`);
	await expect(page.getByTestId('live-status')).toHaveText('Live');
	const id = await v1Request(admin);
	const row = page.locator(`[data-testid="audit-row"][data-request-id="${id}"]`);
	await expect(row).toBeVisible();
	await expect(row).toHaveAttribute('data-status', 'success');
	await expect(page.getByTestId('stat-total')).toHaveText('1');

	await v1Request(admin, 'nobody/missing.gguf');
	await expect(page.locator('[data-testid="audit-row"][data-status="error"]')).toHaveCount(1);
	await expect(page.getByTestId('stat-failed')).toHaveText('1');
});

test('filters narrow the table and live rows respect them; keyboard only', async ({ page, context }) => {
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/audit`);
	await expect(page.getByTestId('live-status')).toHaveText('Live');
	await page.getByTestId('filter-status').focus();
	await page.getByTestId('filter-status').selectOption('error');
	await page.getByTestId('filter-model').focus();
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('audit-row')).toHaveCount(1);
	await v1Request(admin);
	await v1Request(admin, 'nobody/other.gguf');
	await expect(page.getByTestId('audit-row')).toHaveCount(2);
	await expect(page.locator('[data-testid="audit-row"][data-status="success"]')).toHaveCount(0);
	await page.getByTestId('filter-reset').click();
	await expect(page.getByTestId('audit-row')).toHaveCount(4);
});

test('export buttons download CSV and JSONL with the session', async ({ page, context }) => {
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/audit`);
	for (const [format, first] of [
		['csv', 'timestamp,request_id,user_email,model,endpoint,status,'],
		['jsonl', '{"id":']
	] as const) {
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${format}`).click()]);
		expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-logs-.+\\.${format}$`));
		const text = fs.readFileSync((await download.path())!, 'utf8');
		expect(text.startsWith(first)).toBe(true);
		expect(text).toContain('admin@example.com');
	}
});

test('works at 375 px and goes to sign-in when the session ends', async ({ page, context }) => {
	await page.setViewportSize({ width: 375, height: 800 });
	const user = await signUp(server, 'narrow@example.com', undefined, admin.token);
	await signInBrowser(context, user);
	await page.goto(`${server.url}/audit`);
	await expect(page.getByTestId('live-status')).toHaveText('Live');
	await expect(page.getByTestId('audit-empty')).toBeVisible();
	await expect(page.getByTestId('filter-user')).toHaveCount(0);
	const id = await v1Request(user);
	await expect(page.locator(`[data-testid="audit-row"][data-request-id="${id}"]`)).toBeVisible();
	await expect(page.getByTestId('audit-row')).toHaveCount(1);
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(overflow).toBeLessThanOrEqual(0);
	await expect(page.getByTestId('export-csv')).toBeVisible();
	expect((await call(server, 'POST', '/api/auth/logout', { cookie: user.cookie })).status).toBe(204);
	await expect(page).toHaveURL(/\/login/);
});

test('load more brings older pages until none are left', async ({ page, context }) => {
	const user = await signUp(server, 'pages@example.com', undefined, admin.token);
	await seedAuditRows(
		server.dataDir,
		Array.from({ length: 130 }, (_, i) => ({
			request_id: `old-${i}`,
			timestamp: Date.UTC(2026, 0, 1) + i * 1000,
			user_id: user.id,
			user_email: user.email,
			model: 'owner/old',
			status: 'success' as const,
			duration_ms: 10
		}))
	);
	await signInBrowser(context, user);
	await page.goto(`${server.url}/audit`);
	await expect(page.getByTestId('audit-row')).toHaveCount(100);
	await page.getByTestId('load-more').press('Enter');
	await expect(page.getByTestId('audit-row')).toHaveCount(130);
	await expect(page.getByTestId('load-more')).toHaveCount(0);
	await expect(page.getByTestId('row-count')).toHaveText('130 shown');
});

test('shows Offline while the server is down and reconnects by itself', async ({ page, context }) => {
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/audit`);
	await expect(page.getByTestId('live-status')).toHaveText('Live');
	const { port, dataDir } = server;
	await server.stop();
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'offline');
	server = await startServer({ port, dataDir });
	await expect(page.getByTestId('live-status')).toHaveText('Live', { timeout: 45_000 });
	const id = await v1Request(admin);
	await expect(page.locator(`[data-testid="audit-row"][data-request-id="${id}"]`)).toBeVisible();
});
