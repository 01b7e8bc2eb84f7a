import { expect, test, type Browser, type Page } from '@playwright/test';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const SECOND = { email: 'second@example.com', password: 'second-password-1' };

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	server = await startServer();
});
test.afterAll(async () => {
	await server?.stop();
});

async function signInWith(page: Page, who: { email: string; password: string }) {
	await page.goto(`${server.url}/login`);
	await page.getByLabel('Email').fill(who.email);
	await page.getByLabel('Password').fill(who.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function newPage(browser: Browser, viewport?: { width: number; height: number }) {
	const context = await browser.newContext(viewport ? { viewport } : {});
	return context.newPage();
}

test('the first user registers, signs out and signs in again', async ({ page }) => {
	await page.goto(server.url);
	await expect(page).toHaveURL(/\/login/);
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByTestId('current-user')).toHaveText(ADMIN.email);
	await expect(page.getByRole('heading', { name: 'System' })).toBeVisible();

	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login/);
	await page.goto(`${server.url}/users`);
	await expect(page).toHaveURL(/\/login\?next=%2Fusers/);

	await signInWith(page, { ...ADMIN, password: 'wrong-password' });
	await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
	await signInWith(page, ADMIN);
	await expect(page.getByTestId('current-user')).toHaveText(ADMIN.email);
});

test('a second user registers, waits for approval, is approved on /users and signs in', async ({ browser }) => {
	const second = await newPage(browser);
	await second.goto(`${server.url}/login`);
	await second.getByLabel('Email').fill(SECOND.email);
	await second.getByLabel('Password').fill(SECOND.password);
	await second.getByRole('button', { name: 'Create account' }).click();
	await expect(second.getByRole('alert')).toContainText('pending');
	await second.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(second.getByRole('alert')).toContainText('pending approval');
	await expect(second).toHaveURL(/\/login/);

	const admin = await newPage(browser);
	await signInWith(admin, ADMIN);
	const badge = admin.getByTestId('pending-badge');
	await expect(badge).toHaveText('1');
	await admin.getByRole('link', { name: /Users/ }).click();
	await expect(admin).toHaveURL(/\/users$/);
	const row = admin.locator('[data-testid="user-row"][data-email="second@example.com"]');
	await expect(row).toContainText('pending');
	// The only admin cannot be demoted, disabled or deleted from the page.
	const self = admin.locator('[data-testid="user-row"][data-email="admin@example.com"]');
	await expect(self.getByRole('button', { name: 'Delete' })).toBeDisabled();
	await expect(self.getByRole('button', { name: 'Demote' })).toBeDisabled();
	await row.getByRole('button', { name: 'Approve' }).click();
	await expect(row).toContainText('approved');
	await expect(badge).toHaveCount(0);

	await signInWith(second, SECOND);
	await expect(second.getByTestId('current-user')).toHaveText(SECOND.email);
	// Not an admin: no Users link.
	await expect(second.getByRole('link', { name: /Users/ })).toHaveCount(0);
});

test('a page opening the audit WebSocket without credentials sees close code 1008', async ({ page }) => {
	await page.goto(`${server.url}/login`);
	const result = await page.evaluate(
		() =>
			new Promise<{ code: number; messages: number }>((resolve) => {
				const socket = new WebSocket(`ws://${location.host}/api/system/ws/audit-logs`);
				let messages = 0;
				socket.onmessage = () => messages++;
				socket.onclose = (event) => resolve({ code: event.code, messages });
			})
	);
	expect(result).toEqual({ code: 1008, messages: 0 });
});

test('a signed-in page receives hello on the audit WebSocket with its cookie', async ({ page }) => {
	await signInWith(page, ADMIN);
	await expect(page.getByTestId('current-user')).toBeVisible();
	const first = await page.evaluate(
		() =>
			new Promise<string>((resolve) => {
				const socket = new WebSocket(`ws://${location.host}/api/system/ws/audit-logs`);
				socket.onmessage = (event) => {
					resolve(String(event.data));
					socket.close();
				};
				socket.onclose = (event) => resolve(`closed ${event.code}`);
			})
	);
	expect(JSON.parse(first)).toEqual({ type: 'hello' });
});

test('at 375 px the navigation opens from the menu button', async ({ browser }) => {
	const page = await newPage(browser, { width: 375, height: 740 });
	await signInWith(page, ADMIN);
	await expect(page.getByTestId('current-user')).toBeVisible();
	const usersLink = page.getByRole('link', { name: /Users/ });
	await expect(usersLink).toBeHidden();
	const menu = page.getByRole('button', { name: 'Menu' });
	await expect(menu).toHaveAttribute('aria-expanded', 'false');
	await menu.click();
	await expect(menu).toHaveAttribute('aria-expanded', 'true');
	await expect(usersLink).toBeVisible();
	await usersLink.click();
	await expect(page).toHaveURL(/\/users$/);
	await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
	// Choosing a link closes the menu again.
	await expect(usersLink).toBeHidden();
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(overflow).toBeLessThanOrEqual(0);
});
