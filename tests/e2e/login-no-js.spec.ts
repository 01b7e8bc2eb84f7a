/** The sign-in page is a real POST form: it works with JavaScript off, and a password never lands in a URL. */
import { expect, test, type BrowserContext } from '@playwright/test';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
const EMAIL = 'owner@example.com';
const PASSWORD = 'a-long-secret-passphrase';

test.beforeAll(async () => {
	server = await startServer();
});
test.afterAll(async () => {
	await server?.stop();
});

/** A browser without JavaScript that records every URL it requests or shows. */
async function noScriptBrowser(context: BrowserContext) {
	const urls: string[] = [];
	const page = await context.newPage();
	page.on('request', (request) => urls.push(request.url()));
	page.on('framenavigated', (frame) => urls.push(frame.url()));
	return { page, urls };
}

test('registers and signs in with JavaScript disabled, without the password in any URL', async ({ browser }) => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const { page, urls } = await noScriptBrowser(context);

	await page.goto(`${server.url}/login`);
	await page.getByLabel('Email').fill(EMAIL);
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByTestId('current-user')).toHaveText(EMAIL);
	await context.close();

	const again = await browser.newContext({ javaScriptEnabled: false });
	const second = await noScriptBrowser(again);
	await second.page.goto(`${server.url}/users`);
	await expect(second.page).toHaveURL(/\/login\?next=%2Fusers$/);
	await second.page.getByLabel('Email').fill(EMAIL);
	await second.page.getByLabel('Password').fill('not-the-passphrase');
	await second.page.getByRole('button', { name: 'Sign in' }).click();
	await expect(second.page.getByRole('alert')).toHaveText('Incorrect email or password.');
	await expect(second.page.getByLabel('Email')).toHaveValue(EMAIL);

	await second.page.getByLabel('Password').fill(PASSWORD);
	await second.page.getByRole('button', { name: 'Sign in' }).click();
	await expect(second.page.getByTestId('current-user')).toHaveText(EMAIL);
	await expect(second.page).toHaveURL(/\/users$/);
	await again.close();

	const seen = [...urls, ...second.urls];
	expect(seen.length).toBeGreaterThan(4);
	for (const url of seen) {
		expect(url).not.toContain('passphrase');
		expect(url).not.toMatch(/password=/);
	}
});

test('with JavaScript, a refused registration keeps what was typed and says why', async ({ page }) => {
	await page.goto(`${server.url}/login`);
	await page.getByLabel('Email').fill('new@example.com');
	await page.getByLabel('Password').fill('too-short');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByRole('alert')).toHaveText('Password must be at least 12 characters.');
	await expect(page.getByLabel('Email')).toHaveValue('new@example.com');
	await expect(page.getByLabel('Password')).toHaveValue('too-short');
	expect(page.url()).toBe(`${server.url}/login`);
});
