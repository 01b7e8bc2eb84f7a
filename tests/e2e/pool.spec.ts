/**
 * The model pool in the browser, against the built server and a generated GGUF model: create a
 * profile, load it on /servers, chat with it on /chat and watch the answer stream in, stop the
 * generation, unload the model. Also: the editor's per-field messages, a duplicate name, the pool
 * settings, and the pages at 375 px.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { call, signIn as signInApi, signUp, startServer, tempDir, type TestServer } from '../helpers/server';
import { uiSignIn } from '../helpers/e2e';

const EMAIL = 'admin@example.com';
const PASSWORD = 'correct-horse-battery';
const MODEL_ID = 'test/tiny/tiny-Q8_0.gguf';
/** Not a GGUF file at all: loading it must fail with a reason, and leave the pool usable. */
const BROKEN_ID = 'test/broken/broken-Q4_0.gguf';
const PROFILE = 'tiny-chat';
/** A long answer (the model only stops at max_tokens), so there is time to see it stream and stop it. */
const CONTEXT = 8192;

let server: TestServer;

test.beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL_ID), { contextLength: CONTEXT });
	fs.mkdirSync(path.dirname(path.join(dataDir, 'models', BROKEN_ID)), { recursive: true });
	fs.writeFileSync(path.join(dataDir, 'models', BROKEN_ID), Buffer.alloc(4096, 'not a gguf file '));
	server = await startServer({ dataDir });
});

test.afterAll(async () => {
	await server?.stop();
});

test.beforeEach(async ({ page }) => {
	page.on('dialog', (dialog) => dialog.accept());
	await signIn(page);
});

/** The first account registered becomes the admin: created through the login page once. */
const signIn = uiSignIn(() => server.url, EMAIL, PASSWORD);

/** Makes sure the profile exists (tests may run on a fresh server after an earlier failure); returns an admin token. */
async function ensureProfile(name: string, fields: Record<string, unknown> = {}): Promise<string> {
	const { token } = await signInApi(server, EMAIL, PASSWORD);
	const res = await call(server, 'POST', '/api/profiles', { token, body: { name, model_id: MODEL_ID, context_size: 512, ...fields } });
	expect([201, 409]).toContain(res.status);
	return token;
}

const serverCard = (page: Page, name = PROFILE) => page.locator(`[data-testid="server-card"][data-profile="${name}"]`);

test('create a profile, load it, chat with a streamed answer, stop it, unload it', async ({ page }) => {
	// Generous: the machine running the tests may be busy, and token speed varies a lot.
	test.setTimeout(300_000);
	// Create the profile in the editor; a bad value is flagged on its field before anything is sent.
	await page.goto(`${server.url}/profiles/new`);
	await page.getByTestId('profile-name').fill(PROFILE);
	await page.getByTestId('profile-model').fill(MODEL_ID);
	await page.getByTestId('profile-context_size').fill(String(CONTEXT));
	await page.getByTestId('profile-max_tokens').fill(String(CONTEXT - 256));
	await page.getByTestId('profile-temperature').fill('5');
	await page.getByTestId('profile-save').click();
	await expect(page.getByTestId('field-error-temperature')).toContainText('Between 0 and 2');
	await expect(page.getByTestId('profile-temperature')).toHaveAttribute('aria-invalid', 'true');
	await page.getByTestId('profile-temperature').fill('0.7');
	await page.getByTestId('profile-save').click();
	await expect(page).toHaveURL(/\/profiles$/);
	await expect(page.locator(`[data-testid="profile-row"][data-name="${PROFILE}"]`)).toContainText(MODEL_ID);

	// Load it on /servers: the card turns to loaded with its memory gauge, without reloading the page.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Servers' }).click();
	const card = serverCard(page);
	await expect(card).toHaveAttribute('data-state', 'idle');
	await card.getByTestId('load-button').click();
	await expect(card).toHaveAttribute('data-state', 'loaded', { timeout: 60_000 });
	await expect(card.getByTestId('server-memory').getByRole('meter')).toBeVisible();
	await expect(card.getByTestId('active-requests')).toHaveText('0');
	await expect(card.getByTestId('keep-alive')).toBeVisible();

	// Chat: the answer grows in place while it streams; Stop ends it.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
	await expect(page.getByTestId('chat-model')).toHaveValue(PROFILE);
	await page.evaluate(() => {
		// Record every distinct length the answer shows, to prove it arrives in pieces.
		const seen = new Set<number>();
		(window as unknown as { answerLengths: Set<number> }).answerLengths = seen;
		new MutationObserver(() => {
			const bodies = document.querySelectorAll('[data-role="assistant"] [data-testid="chat-message-body"]');
			const last = bodies[bodies.length - 1];
			if (last?.textContent?.trim()) seen.add(last.textContent.length);
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
	});
	await page.getByTestId('chat-input').fill('Tell me a long story.');
	await page.getByTestId('chat-input').press('Enter');
	const answer = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
	await expect(page.getByTestId('chat-stop')).toBeVisible();
	await expect
		.poll(() => page.evaluate(() => (window as unknown as { answerLengths: Set<number> }).answerLengths.size), { timeout: 120_000 })
		.toBeGreaterThan(3);
	await expect(page.getByTestId('chat-stop')).toBeVisible();
	await page.getByTestId('chat-stop').click();
	await expect(answer).toHaveAttribute('data-finish', 'cancelled');
	await expect(page.getByTestId('chat-send')).toBeVisible();
	const stoppedText = await answer.getByTestId('chat-message-body').textContent();
	expect(stoppedText?.trim().length).toBeGreaterThan(0);
	await expect(page.getByTestId('chat-error')).toHaveCount(0);

	// Back on /servers the stopped request no longer holds the model; unload it.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Servers' }).click();
	await expect(card).toHaveAttribute('data-state', 'loaded');
	await expect(card.getByTestId('active-requests')).toHaveText('0');
	await card.getByTestId('unload-button').click();
	await expect(card).toHaveAttribute('data-state', 'idle');
	await expect(page.getByTestId('no-loaded')).toBeVisible();
});

test('the editor shows server-side problems on their fields, edits in place, duplicates and deletes', async ({ page }) => {
	await ensureProfile(PROFILE);
	await page.goto(`${server.url}/profiles/new`);
	await page.getByTestId('profile-name').fill(PROFILE);
	await page.getByTestId('profile-model').fill(MODEL_ID);
	await page.getByTestId('profile-save').click();
	await expect(page.getByTestId('field-error-name')).toBeVisible();
	await expect(page.getByTestId('profile-form-error')).not.toBeEmpty();
	await expect(page).toHaveURL(/\/profiles\/new$/);

	// A value only the server can judge comes back as a 400 issue on its own field.
	await page.getByTestId('profile-name').fill('elsewhere');
	await page.getByTestId('profile-model').fill('../outside/models.gguf');
	await page.getByTestId('profile-save').click();
	await expect(page.getByTestId('field-error-model_id')).toContainText('model id');
	await expect(page.getByTestId('profile-model')).toHaveAttribute('aria-invalid', 'true');

	// Editing an existing profile saves in place.
	await page.goto(`${server.url}/profiles`);
	await page.locator(`[data-testid="profile-row"][data-name="${PROFILE}"]`).getByRole('link', { name: `Edit ${PROFILE}` }).click();
	await expect(page.getByTestId('profile-name')).toHaveValue(PROFILE);
	await page.getByLabel('Description').fill('A tiny test model');
	await page.getByTestId('profile-save').click();
	await expect(page.getByTestId('profile-saved')).toContainText('Saved');
	await page.goto(`${server.url}/profiles`);
	await expect(page.locator(`[data-testid="profile-row"][data-name="${PROFILE}"]`)).toContainText('A tiny test model');
	await expect(page.locator(`[data-testid="profile-row"][data-name="${PROFILE}"]`)).toHaveCount(1);
	await expect(page.locator('[data-testid="profile-row"][data-name="elsewhere"]')).toHaveCount(0);
	// Duplicate, then delete the copy after confirming.
	await page.locator(`[data-testid="profile-row"][data-name="${PROFILE}"]`).getByTestId('duplicate-button').click();
	await page.getByTestId('duplicate-name').fill(`${PROFILE}-copy`);
	await page.getByTestId('duplicate-confirm').click();
	const copy = page.locator(`[data-testid="profile-row"][data-name="${PROFILE}-copy"]`);
	await expect(copy).toContainText(MODEL_ID);
	await copy.getByTestId('delete-button').click();
	await expect(copy).toHaveCount(0);
});

test('pool settings are shown and a bad value is refused on its field', async ({ page }) => {
	await page.goto(`${server.url}/settings`);
	const section = page.getByTestId('pool-settings');
	await expect(section.getByTestId('pool-max-models')).not.toHaveValue('');
	await section.getByTestId('pool-max-memory').fill('lots');
	await section.getByTestId('pool-save').click();
	await expect(section.getByTestId('pool-settings-error')).toBeVisible();
	await section.getByTestId('pool-max-memory').fill('75%');
	await section.getByTestId('pool-max-models').fill('2');
	await expect(section.getByTestId('pool-request-timeout')).toHaveValue('10m');
	await section.getByTestId('pool-request-timeout').fill('soon');
	await expect(section.getByText('A duration such as 10m or 90s; 0 means no limit.')).toBeVisible();
	await section.getByTestId('pool-request-timeout').fill('5m');
	await section.getByTestId('pool-save').click();
	await expect(section.getByTestId('pool-settings-saved')).toContainText('Saved');
	await page.reload();
	await expect(section.getByTestId('pool-max-memory')).toHaveValue('75%');
	await expect(section.getByTestId('pool-max-models')).toHaveValue('2');
	await expect(section.getByTestId('pool-request-timeout')).toHaveValue('5m');
	// The API keys section is still there.
	await expect(page.getByRole('heading', { name: 'API keys' })).toBeVisible();
});

test('a pinned model is not unloaded without force; an admin can force it', async ({ page }) => {
	await ensureProfile('tiny-pinned', { pinned: true });
	await page.goto(`${server.url}/servers`);
	const card = serverCard(page, 'tiny-pinned');
	await card.getByTestId('load-button').click();
	await expect(card).toHaveAttribute('data-state', 'loaded', { timeout: 60_000 });
	await expect(card.getByTestId('pinned-badge')).toBeVisible();
	await expect(card.getByTestId('keep-alive')).toContainText('Pinned');

	await card.getByTestId('unload-button').click();
	await expect(card.getByTestId('server-message')).toContainText('pinned');
	await expect(card).toHaveAttribute('data-state', 'loaded');
	await card.getByTestId('force-unload-button').click();
	await expect(card).toHaveAttribute('data-state', 'idle');
});

test('a model that cannot load shows why, and the pool keeps working', async ({ page }) => {
	await ensureProfile('broken', { model_id: BROKEN_ID });
	await page.goto(`${server.url}/servers`);
	const card = serverCard(page, 'broken');
	await card.getByTestId('load-button').click();
	await expect(card).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
	await expect(card.getByTestId('load-error')).toContainText('Could not load:');
	await expect(card.getByTestId('load-button')).toHaveText('Retry load');

	// The good model still loads next to it.
	await ensureProfile(PROFILE);
	const good = serverCard(page);
	await good.getByTestId('load-button').click();
	await expect(good).toHaveAttribute('data-state', 'loaded', { timeout: 60_000 });
	await good.getByTestId('unload-button').click();
	await expect(good).toHaveAttribute('data-state', 'idle');
});

test('chat shows the reason when the model does not fit in memory', async ({ page }) => {
	const token = await ensureProfile(PROFILE);
	await call(server, 'POST', `/api/servers/${await profileId(token, PROFILE)}/stop?force=true`, { token });
	const before = await call(server, 'GET', '/api/settings/pool', { token });
	expect((await call(server, 'PUT', '/api/settings/pool', { token, body: { max_memory: '1MB' } })).status).toBe(200);
	try {
		await page.goto(`${server.url}/chat?model=${PROFILE}`);
		await page.getByTestId('chat-input').fill('Hello?');
		await page.getByTestId('chat-send').click();
		await expect(page.getByTestId('chat-error')).toContainText('cannot run right now');
		await expect(page.locator('[data-testid="chat-message"][data-role="assistant"]').last()).toHaveAttribute('data-finish', 'error');
		await expect(page.getByTestId('chat-send')).toBeVisible();
	} finally {
		await call(server, 'PUT', '/api/settings/pool', { token, body: { max_memory: before.body.max_memory } });
	}
});

test('a user who is not an admin sees the pool settings but cannot change them', async ({ browser }) => {
	const adminToken = await ensureProfile(PROFILE);
	await signUp(server, 'user@example.com', PASSWORD, adminToken);
	const userPage = await browser.newPage();
	try {
		await userPage.goto(`${server.url}/login`);
		await userPage.getByLabel('Email').fill('user@example.com');
		await userPage.getByLabel('Password').fill(PASSWORD);
		await userPage.getByRole('button', { name: 'Sign in' }).click();
		await expect(userPage.getByTestId('current-user')).toHaveText('user@example.com');
		await userPage.goto(`${server.url}/settings`);
		const section = userPage.getByTestId('pool-settings');
		await expect(section.getByTestId('pool-max-models')).toBeDisabled();
		await expect(section.getByTestId('pool-save')).toHaveCount(0);
		await expect(section).toContainText('Only administrators can change these');
		// The user can still load and use profiles.
		await userPage.goto(`${server.url}/servers`);
		await expect(serverCard(userPage)).toBeVisible();
	} finally {
		await userPage.close();
	}
});

async function profileId(token: string, name: string): Promise<string> {
	const list = await call(server, 'GET', '/api/profiles', { token });
	return list.body.find((p: { name: string }) => p.name === name).id;
}

test('servers, profiles and chat fit a 375 px wide screen', async ({ page }) => {
	await page.setViewportSize({ width: 375, height: 740 });
	for (const pathname of ['/servers', '/profiles', '/profiles/new', '/chat', '/settings']) {
		await page.goto(server.url + pathname);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		expect(overflow, pathname).toBeLessThanOrEqual(0);
	}
});
