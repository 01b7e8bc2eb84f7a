/**
 * The `/models` page against the built server and the project's fake Hub: search, pick a quant,
 * watch the download's bar advance to done, see the model in the library, delete it; reconnecting
 * bars after a reload with pause/resume/cancel; Hub failures shown as messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startFakeHub } from '../fixtures/fake-hub.js';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { signUp, startServer, type TestServer } from '../helpers/server';
import { uiSignIn } from '../helpers/e2e';

const REPO = 'test-org/tiny-llama-GGUF';
const Q4 = 'tiny-llama-Q4_K_M.gguf';
const Q8 = 'tiny-llama-Q8_0.gguf';
/** A large virtual file served slowly: it stays in flight for as long as the test needs. */
const BIG_REPO = 'test-org/big-slow-GGUF';
const BIG = 'big-slow-Q4_K_M.gguf';
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct-horse-battery';
/** Slow enough (~0.7 MB files) for the bar to be seen between 0 and 100 %. */
const THROTTLE = { throttle: 120_000 };

let hub: Awaited<ReturnType<typeof startFakeHub>>;
let server: TestServer;

test.beforeAll(async () => {
	hub = await startFakeHub({ fileModes: { [`${REPO}/${Q4}`]: THROTTLE, [`${BIG_REPO}/${BIG}`]: { throttle: 256_000 } } });
	hub.addRepo({ id: BIG_REPO, downloads: 1, likes: 0, files: [{ name: BIG, size: 64 * 1024 * 1024, sha256: '0'.repeat(64) }] });
	server = await startServer({ env: { HF_ENDPOINT: hub.url } });
});

test.afterAll(async () => {
	await server?.stop();
	await hub?.close();
});

test.beforeEach(async ({ page }) => {
	page.on('dialog', (dialog) => dialog.accept());
	await signIn(page);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
	await expect(page.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
});

/** The first account registered becomes the admin: created through the login page once. */
const signIn = uiSignIn(() => server.url, EMAIL, PASSWORD);

async function openRepo(page: Page, query: string, repo: string) {
	await page.getByLabel('Search GGUF models on the Hub').fill(query);
	await page.getByRole('button', { name: 'Search' }).click();
	const result = page.locator(`[data-testid="search-result"][data-repo="${repo}"]`);
	await expect(result).toBeVisible();
	await result.getByRole('button', { name: 'Files' }).click();
	await expect(result.getByTestId('file-picker')).toBeVisible();
	return result;
}

const progressOf = async (tile: ReturnType<Page['locator']>) => Number(await tile.getByRole('progressbar').getAttribute('aria-valuenow'));

test('search, pick a quant, watch it download, see it in the library, delete it', async ({ page }) => {
	await page.setViewportSize({ width: 375, height: 800 });
	const result = await openRepo(page, 'tiny', REPO);
	await expect(result).toContainText('by test-org');
	// The recommended quant is preselected and marked; every quant shows its size and memory fit.
	const recommended = result.locator('[data-testid="repo-file"]', { has: page.getByTestId('recommended') });
	await expect(recommended.getByRole('radio')).toBeChecked();
	await expect(result.getByTestId('repo-file')).toHaveCount(3);
	await expect(result.locator(`[data-file="${Q8}"]`)).toContainText(/\d+(\.\d)? (KB|MB)/);
	await expect(result.locator(`[data-file="${Q8}"]`)).toContainText('fits in memory');

	await result.getByRole('radio', { name: new RegExp(Q4) }).check();
	await result.getByRole('button', { name: 'Download' }).click();
	await expect(page.getByTestId('download-notice')).toContainText('started');

	const tile = page.locator(`[data-testid="download-tile"][data-model="${REPO}/${Q4}"]`);
	await expect(tile).toBeVisible();
	// The bar advances: seen part-way, then done.
	await expect
		.poll(async () => {
			const value = await progressOf(tile);
			return value > 0 && value < 100;
		}, { timeout: 20_000, intervals: [100] })
		.toBe(true);
	await expect(tile).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
	await expect(tile.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
	await expect(tile.getByTestId('download-status')).toHaveText('Done');

	// The library refreshed by itself, with the file's own metadata.
	const card = page.locator(`[data-testid="library-card"][data-model="${REPO}/${Q4}"]`);
	await expect(card).toBeVisible();
	await expect(card).toContainText('Q4_K_M');
	await expect(card).toContainText('llama');
	await expect(result.getByTestId('is-downloaded')).toBeVisible();

	// Asking again for a file already on disk shows the server's refusal.
	await result.getByRole('button', { name: 'Download' }).click();
	await expect(page.getByTestId('download-notice')).toContainText('already downloaded');

	// At 375 px nothing overflows sideways.
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

	await card.getByRole('button', { name: `Delete ${REPO}/${Q4}` }).click();
	await expect(card).toHaveCount(0);
	await expect(page.getByTestId('library-notice')).toContainText(`Deleted ${REPO}/${Q4}`);
	await page.reload();
	await expect(page.getByTestId('library-empty')).toBeVisible();

	// A broken file in the models dir is listed as unusable, with the reason, and can be deleted.
	const broken = path.join(server.dataDir, 'models', 'local', 'broken', 'broken.Q4_K_M.gguf');
	writeTinyLlama(broken);
	fs.truncateSync(broken, 200);
	await page.reload();
	const brokenCard = page.locator('[data-testid="library-card"][data-model="local/broken/broken.Q4_K_M.gguf"]');
	await expect(brokenCard).toContainText('unusable');
	await expect(brokenCard).toContainText('Unreadable GGUF');
	await brokenCard.getByRole('button', { name: /Delete/ }).click();
	await expect(brokenCard).toHaveCount(0);
	expect(fs.existsSync(broken)).toBe(false);
});

test('a reload mid-download reconnects the bar; pause, resume and cancel', async ({ page }) => {
	const result = await openRepo(page, 'big-slow', BIG_REPO);
	await result.getByRole('button', { name: 'Download' }).click();
	const tile = page.locator(`[data-testid="download-tile"][data-model="${BIG_REPO}/${BIG}"]`);
	await expect(tile).toHaveAttribute('data-status', 'downloading');
	await expect(tile).toContainText(/ETA \d/);

	await page.reload();
	await expect(tile).toHaveAttribute('data-status', 'downloading');
	const before = await progressOf(tile);
	await expect.poll(() => progressOf(tile), { timeout: 20_000 }).toBeGreaterThan(before);

	await tile.getByRole('button', { name: 'Pause' }).click();
	await expect(tile).toHaveAttribute('data-status', 'paused');
	await page.reload();
	await expect(tile).toHaveAttribute('data-status', 'paused');
	const paused = await progressOf(tile);
	expect(paused).toBeGreaterThan(0);

	await tile.getByRole('button', { name: 'Resume' }).click();
	await expect(tile).toHaveAttribute('data-status', 'downloading');
	await expect.poll(() => progressOf(tile), { timeout: 20_000 }).toBeGreaterThan(paused);

	await tile.getByRole('button', { name: 'Cancel' }).click();
	await expect(tile).toHaveAttribute('data-status', 'cancelled');
	await expect(tile.getByRole('button', { name: /Pause|Resume|Cancel/ })).toHaveCount(0);
	await page.reload();
	await expect(tile).toHaveCount(0);
	await expect(page.getByTestId('library-empty')).toBeVisible();
});

test('a Hub failure is shown as a message, not an empty list', async ({ page }) => {
	hub.setMode({ status: 500 });
	try {
		await page.getByLabel('Search GGUF models on the Hub').fill('tiny');
		await page.getByRole('button', { name: 'Search' }).click();
		await expect(page.getByTestId('search-error')).toContainText(/Hub/);
		await expect(page.getByTestId('search-result')).toHaveCount(0);
	} finally {
		hub.setMode(null);
	}
	// Once the Hub is back, the same search works again.
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByTestId('search-error')).toHaveCount(0);
	await expect(page.locator(`[data-testid="search-result"][data-repo="${REPO}"]`)).toBeVisible();

	// A gated repo without a token that has access: listed, labelled, and Download stays disabled.
	const gated = await openRepo(page, 'gated', 'test-org/gated-llama-GGUF');
	await expect(gated.getByTestId('gated-note')).toContainText('gated — needs a token with access');
	await expect(gated.getByRole('button', { name: 'Download' })).toBeDisabled();
});

test('offline mode says the Hub is not contacted', async ({ page }) => {
	const offline = await startServer({ env: { HF_ENDPOINT: hub.url, LLM_MANAGER_OFFLINE: 'true' } });
	try {
		const user = await signUp(offline, EMAIL, PASSWORD);
		const [name, value] = user.cookie.split('=');
		await page.context().addCookies([{ name, value, url: offline.url }]);
		await page.goto(`${offline.url}/models`);
		await page.getByRole('button', { name: 'Search' }).click();
		await expect(page.getByTestId('search-error')).toContainText('Offline mode');
		await expect(page.getByTestId('search-result')).toHaveCount(0);
	} finally {
		await offline.stop();
	}
});

test('sort and filters change what is listed; search and the picker work from the keyboard', async ({ page }) => {
	const first = page.getByTestId('search-result').first();
	await page.getByLabel('Search GGUF models on the Hub').press('Enter');
	await expect(first).toHaveAttribute('data-repo', 'other-org/small-chat-GGUF');
	await page.getByLabel('Sort by').selectOption('likes');
	await expect(first).toHaveAttribute('data-repo', 'test-org/gated-llama-GGUF');
	await expect(first).toContainText('gated');

	// Every fake model fits: "fits in memory" keeps them, and the limit is shown.
	await page.getByLabel(/Fits in memory/).check();
	await expect(page.getByLabel(/Fits in memory for models\s\(≤ [\d.]+ GB\)/)).toBeChecked();
	await expect(page.locator(`[data-testid="search-result"][data-repo="${REPO}"]`)).toBeVisible();

	// A quantization filter narrows the picker; the recommendation (Q4_K_M) is hidden, so Q8_0 is preselected.
	await page.getByLabel('Quantization').selectOption('Q8_0');
	const result = page.locator(`[data-testid="search-result"][data-repo="${REPO}"]`);
	await result.getByRole('button', { name: 'Files' }).focus();
	await page.keyboard.press('Enter');
	await expect(result.getByTestId('repo-file')).toHaveCount(1);
	await expect(result.getByRole('radio', { name: new RegExp(Q8) })).toBeChecked();
	await expect(result.getByTestId('file-picker')).toContainText('2 more hidden by the filters');

	// Back to every quantization: arrow keys move the choice, Tab reaches Download.
	await page.getByLabel('Quantization').selectOption('');
	await expect(result.getByTestId('repo-file')).toHaveCount(3);
	await result.getByRole('radio', { name: new RegExp(Q4) }).focus();
	await page.keyboard.press('ArrowDown');
	await expect(result.getByRole('radio', { name: new RegExp(Q4) })).not.toBeChecked();
	await page.keyboard.press('Tab');
	await expect(result.getByRole('button', { name: 'Download' })).toBeFocused();
});
