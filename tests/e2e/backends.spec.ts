import { expect, test, type BrowserContext } from '@playwright/test';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { call, signUp, startServer, type SignedIn, type TestServer } from '../helpers/server';

/** An administrator adds a remote backend and a rule in Settings, then sees its health on Servers and its rows in the audit. */
let server: TestServer;
let admin: SignedIn;
let upstream: FakeUpstream;
const KEY = 'sk-e2e-backend-key-7788';

test.beforeAll(async () => {
	[server, upstream] = await Promise.all([startServer(), startFakeUpstream({ name: 'gpu' })]);
	admin = await signUp(server, 'admin@example.com', 'admin-password-123');
});

test.afterAll(async () => {
	await server?.stop();
	await upstream?.close();
});

async function signInBrowser(context: BrowserContext, who: SignedIn) {
	const [name, value] = who.cookie.split('=');
	await context.addCookies([{ name, value, url: server.url }]);
}

test('add a backend and a rule, test a model name, see health and audit rows', async ({ page, context }) => {
	await signInBrowser(context, admin);
	await page.goto(`${server.url}/settings`);
	await page.locator('input[name="backend-name"]').fill('gpu-box');
	await page.locator('input[name="backend-url"]').fill(upstream.baseUrl);
	await page.locator('input[name="backend-key"]').fill(KEY);
	await page.getByRole('button', { name: 'Add backend' }).click();
	const row = page.getByTestId('backend-row').filter({ hasText: 'gpu-box' });
	await expect(row.getByTestId('backend-health')).toHaveText('up');
	await expect(row).toContainText(`…${KEY.slice(-4)}`);
	await expect(page.locator('body')).not.toContainText(KEY);
	await row.getByRole('button', { name: 'Test' }).click();
	await expect(row.getByTestId('backend-test-result')).toContainText('OK: 1 model listed');

	await page.locator('select[name="rule-type"]').selectOption('glob');
	await page.locator('input[name="rule-pattern"]').fill('big-*');
	await page.locator('select[name="rule-backend"]').selectOption({ label: 'gpu-box' });
	await page.getByRole('button', { name: 'Add rule' }).click();
	await expect(page.getByTestId('rule-row')).toContainText('big-*');
	await page.locator('input[name="route-probe"]').fill('big-model');
	await page.getByRole('button', { name: 'Where does it go?' }).click();
	await expect(page.getByTestId('route-explanation')).toContainText('goes to gpu-box as big-model');

	const res = await call(server, 'POST', '/v1/chat/completions', { token: admin.token, body: { model: 'big-model', messages: [{ role: 'user', content: 'Hi' }] } });
	expect(res.status).toBe(200);

	await page.goto(`${server.url}/servers`);
	const card = page.getByTestId('remote-backend').filter({ hasText: 'gpu-box' });
	await expect(card.getByTestId('remote-health')).toHaveText('up');
	await expect(card.getByTestId('remote-in-flight')).toHaveText('0');

	await page.goto(`${server.url}/audit`);
	await page.getByTestId('filter-backend').fill('gpu-box');
	await page.getByTestId('filter-apply').click();
	await expect(page.getByTestId('audit-row')).toHaveCount(1);
	await expect(page.getByTestId('audit-backend')).toHaveText('via gpu-box');
	await page.getByTestId('filter-backend').fill('local');
	await page.getByTestId('filter-apply').click();
	await expect(page.getByTestId('audit-row').filter({ hasText: 'big-model' })).toHaveCount(0);
});
