import { expect, test, type BrowserContext } from '@playwright/test';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

let server: TestServer;
let admin: SignedIn;

test.beforeAll(async () => {
	server = await startServer();
	admin = await signUp(server, 'admin@example.com', 'admin-password-123');
});

test.afterAll(async () => {
	await server?.stop();
});

async function signInBrowser(context: BrowserContext, who: SignedIn) {
	const [name, value] = who.cookie.split('=');
	await context.addCookies([{ name, value, url: server.url }]);
}

test('/docs renders the API reference from the app’s own OpenAPI document', async ({ page }) => {
	const errors: string[] = [];
	page.on('pageerror', (err) => errors.push(err.message));
	page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
	page.on('response', (res) => res.status() >= 400 && errors.push(`${res.status()} ${res.url()}`));
	await page.goto(`${server.url}/docs`);
	await expect(page.getByRole('heading', { name: /LLM Manager/ })).toBeVisible();
	await expect(page.getByText('/api/auth/login', { exact: true }).first()).toBeVisible();
	await expect(page.getByText('/v1/chat/completions', { exact: true }).first()).toBeVisible();
	expect(errors).toEqual([]);
});

test('the pending-users badge updates while the page stays open', async ({ page, context }) => {
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/settings`);
	await expect(page.getByTestId('current-user')).toHaveText(admin.email);
	await expect(page.getByTestId('pending-badge')).toHaveCount(0);
	const reg = await call(server, 'POST', '/api/auth/register', { body: { email: 'waiting@example.com', password: 'waiting-password-1' } });
	expect(reg.status).toBe(201);
	await expect(page.getByTestId('pending-badge')).toHaveText('1');
	await call(server, 'PUT', `/api/auth/users/${reg.body.id}`, { token: admin.token, body: { status: 'approved' } });
	await expect(page.getByTestId('pending-badge')).toHaveCount(0);
});

test('the API key section shows the base URL and snippets that copy', async ({ page, context }) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/settings`);
	await expect(page.getByTestId('base-url')).toHaveText(`${server.url}/v1`);
	await page.getByLabel('Name').fill('snippet key');
	await page.getByRole('button', { name: 'Create key' }).click();
	const key = (await page.getByTestId('new-api-key').textContent())!.trim();
	expect(key).toMatch(/^llm_/);
	for (const id of ['curl', 'python', 'js']) {
		await page.getByTestId(`copy-${id}`).click();
		await expect(page.getByTestId(`copy-${id}`)).toHaveText('Copied');
		const copied = await page.evaluate(() => navigator.clipboard.readText());
		expect(copied, id).toContain(`${server.url}/v1`);
		expect(copied, id).toContain(key);
	}
	// The copied curl command works as it is.
	const curl = await page.evaluate(() => navigator.clipboard.readText());
	expect(curl).toContain('console.log'); // the last one copied is the JavaScript snippet
	const models = await call(server, 'GET', '/v1/models', { token: key });
	expect(models.status).toBe(200);
});
