/**
 * Chat in Chromium against the built server and a generated model: conversations saved and listed,
 * renamed, searched, exported and deleted; edit-and-resend and regenerate keep their branches; rich
 * and hostile model output rendered safely; privacy between users; the view following long answers;
 * the keyboard; and the "Chat" buttons of the library and the profiles.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { writeTinyLlama } from '../fixtures/gguf.js';
import { uiSignIn } from '../helpers/e2e';
import { call, signIn as signInApi, signUp, startServer, tempDir, type TestServer } from '../helpers/server';

const EMAIL = 'admin@example.com';
const PASSWORD = 'correct-horse-battery';
const MODEL_ID = 'test/tiny/tiny-Q8_0.gguf';

let server: TestServer;

test.beforeAll(async () => {
	const dataDir = tempDir();
	writeTinyLlama(path.join(dataDir, 'models', MODEL_ID), { contextLength: 8192 });
	server = await startServer({ dataDir });
});
test.afterAll(async () => {
	await server?.stop();
});
test.beforeEach(async ({ page }) => {
	page.on('dialog', (dialog) => dialog.accept());
	await signIn(page);
});

const signIn = uiSignIn(() => server.url, EMAIL, PASSWORD);
const token = async () => (await signInApi(server, EMAIL, PASSWORD)).token;
const messages = (page: Page, role?: 'user' | 'assistant') => page.locator(`[data-testid="chat-message"]${role ? `[data-role="${role}"]` : ''}`);

/** A conversation made through the API, with stored messages (no model involved). */
async function storedConversation(title: string, turns: [string, string][], settings: object = { model: MODEL_ID }): Promise<string> {
	const t = await token();
	const c = await call(server, 'POST', '/api/conversations', { token: t, body: { title, settings } });
	expect(c.status).toBe(201);
	for (const [question, answer] of turns) {
		expect((await call(server, 'POST', `/api/conversations/${c.body.id}/messages`, { token: t, body: { role: 'user', content: question } })).status).toBe(201);
		expect((await call(server, 'POST', `/api/conversations/${c.body.id}/messages`, { token: t, body: { role: 'assistant', content: answer } })).status).toBe(201);
	}
	return c.body.id;
}

/** Opens a new chat with the model and a token limit, so answers end by themselves. */
async function newChat(page: Page, maxTokens: number) {
	await page.goto(`${server.url}/chat?model=${encodeURIComponent(MODEL_ID)}`);
	await expect(page.getByTestId('chat-model')).toHaveValue(MODEL_ID);
	await page.getByText('Chat settings').click();
	await page.getByTestId('chat-max_tokens').fill(String(maxTokens));
	await page.getByTestId('chat-max_tokens').blur();
}

async function ask(page: Page, text: string) {
	const before = await messages(page, 'assistant').count();
	await page.getByTestId('chat-input').fill(text);
	await page.getByTestId('chat-input').press('Enter');
	await expect(messages(page, 'assistant')).toHaveCount(before + 1);
	await expect(page.getByTestId('chat-send')).toBeVisible({ timeout: 60_000 });
	await expect(messages(page, 'assistant').last()).toHaveAttribute('data-finish', /stop|length/);
}

test('a conversation survives a reload and is listed; rename, search, export and delete', async ({ page }) => {
	await newChat(page, 12);
	await ask(page, 'Where do penguins live?');
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
	const id = page.url().split('/').pop()!;
	const item = page.locator(`[data-testid="conversation-item"][data-id="${id}"]`);
	await expect(item).toContainText('Where do penguins live?');
	const answer = await messages(page, 'assistant').last().getByTestId('chat-message-body').textContent();
	await expect(messages(page, 'assistant').last().getByTestId('chat-stats')).toContainText('tokens');

	await page.reload();
	await expect(messages(page)).toHaveCount(2);
	await expect(messages(page, 'user')).toContainText('Where do penguins live?');
	expect(await messages(page, 'assistant').getByTestId('chat-message-body').textContent()).toBe(answer);
	await expect(item).toHaveAttribute('data-id', id);
	await expect(page.getByTestId('chat-max_tokens')).toHaveValue('12');

	// Rename from the list.
	await item.getByTestId('conversation-rename').click();
	await page.getByTestId('rename-input').fill('Penguin homes');
	await page.getByTestId('rename-input').press('Enter');
	await expect(item).toContainText('Penguin homes');
	await expect(page.getByTestId('chat-title')).toHaveText('Penguin homes');

	// Search by title and by text; another conversation is filtered out.
	const other = await storedConversation('Bread baking', [['How long to knead dough?', 'About ten minutes.']]);
	await page.reload();
	await expect(page.getByTestId('conversation-item')).toHaveCount(2);
	await page.getByTestId('conversation-search').fill('penguin');
	await expect(page.getByTestId('conversation-item')).toHaveCount(1);
	await expect(item).toBeVisible();
	await page.getByTestId('conversation-search').fill('ten minutes');
	await expect(page.getByTestId('conversation-item')).toHaveCount(1);
	await expect(page.locator(`[data-testid="conversation-item"][data-id="${other}"]`)).toContainText('ten minutes');
	await page.getByTestId('conversation-search').fill('');
	await expect(page.getByTestId('conversation-item')).toHaveCount(2);

	// Export as Markdown and JSON.
	const [md] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-md').click()]);
	expect(md.suggestedFilename()).toBe('Penguin-homes.md');
	const mdText = fs.readFileSync((await md.path())!, 'utf8');
	expect(mdText).toContain('# Penguin homes');
	expect(mdText).toContain('## User\n\nWhere do penguins live?');
	const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
	const exported = JSON.parse(fs.readFileSync((await json.path())!, 'utf8'));
	expect(exported.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
	expect(exported.settings).toMatchObject({ model: MODEL_ID, max_tokens: 12 });

	// Delete: gone from the list and from the database.
	await item.getByTestId('conversation-delete').click();
	await expect(item).toHaveCount(0);
	await expect(page).toHaveURL(/\/chat$/);
	expect((await call(server, 'GET', `/api/conversations/${id}`, { token: await token() })).status).toBe(404);
});

test('edit-and-resend keeps both branches; regenerate adds another answer', async ({ page }) => {
	await newChat(page, 8);
	await ask(page, 'First question');
	const firstAnswer = await messages(page, 'assistant').getByTestId('chat-message-body').textContent();

	await messages(page, 'user').getByTestId('action-edit').click();
	await page.getByTestId('edit-input').fill('Second question');
	await page.getByTestId('edit-input').press('Enter');
	await expect(messages(page, 'user')).toContainText('Second question');
	await expect(page.getByTestId('chat-send')).toBeVisible({ timeout: 60_000 });
	await expect(messages(page, 'assistant')).toHaveAttribute('data-finish', /stop|length/);
	const question = messages(page, 'user');
	await expect(question.getByTestId('branch-position')).toHaveText('2/2');

	// Back to the first branch, and forward again: both are kept.
	await question.getByRole('button', { name: 'Previous version' }).click();
	await expect(question).toContainText('First question');
	await expect(question.getByTestId('branch-position')).toHaveText('1/2');
	expect(await messages(page, 'assistant').getByTestId('chat-message-body').textContent()).toBe(firstAnswer);
	await page.reload();
	await expect(messages(page, 'user')).toContainText('First question');
	await messages(page, 'user').getByRole('button', { name: 'Next version' }).click();
	await expect(messages(page, 'user')).toContainText('Second question');

	// Regenerate: a second answer to the same question.
	await messages(page, 'assistant').getByTestId('action-regenerate').click();
	await expect(messages(page, 'assistant').getByTestId('branch-position')).toHaveText('2/2', { timeout: 60_000 });
	await expect(page.getByTestId('chat-send')).toBeVisible({ timeout: 60_000 });
	await page.reload();
	await expect(messages(page, 'assistant').getByTestId('branch-position')).toHaveText('2/2');
	await expect(messages(page, 'user').getByTestId('branch-position')).toHaveText('2/2');
});

const RICH = [
	'Here is a table:',
	'',
	'| name | value |',
	'|------|-------|',
	'| a    | 1     |',
	'',
	'```python',
	'def square(x):',
	'    return x * x',
	'```',
	'',
	'- outer',
	'  - inner',
	'',
	'$$x^2$$',
	'',
	'<script>window.__injected = "script"</script>',
	'<img src="x" onerror="window.__injected = \'onerror\'">',
	'[click](javascript:window.__injected=1)'
].join('\n');

test('a stored reply renders tables, highlighted code with a copy button, nested lists and KaTeX; its HTML never runs', async ({ page, context }) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	const id = await storedConversation('Rich', [['Show me everything', RICH], ['And this?', '['.repeat(50_000)]]);
	await page.goto(`${server.url}/chat/${id}`);
	const body = messages(page, 'assistant').first().getByTestId('chat-message-body');
	await expect(body.locator('table th')).toHaveText(['name', 'value']);
	await expect(body.locator('pre code.hljs.language-python .hljs-keyword').first()).toHaveText('def');
	await expect(body.locator('ul ul li')).toHaveText('inner');
	await expect(body.locator('.katex')).toHaveCount(1);
	await expect(body.locator('.katex-mathml annotation')).toHaveText('x^2');
	await expect(body).toContainText('<script>window.__injected = "script"</script>');
	await expect(body.locator('script, img, [onerror]')).toHaveCount(0);
	await expect(body.locator('a[href^="javascript:"]')).toHaveCount(0);
	expect(await page.evaluate(() => (window as unknown as { __injected?: unknown }).__injected)).toBeUndefined();

	await body.getByRole('button', { name: 'Copy' }).click();
	await expect(body.getByRole('button', { name: 'Copied' })).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('def square(x):\n    return x * x');

	// 50,000 `[` arrive as text, and the page still answers.
	await expect(messages(page, 'assistant').last().getByTestId('chat-message-body')).toContainText('[[[[[[[[');
	expect(await page.evaluate(() => document.title)).toContain('Rich');
});

test('reasoning shows collapsed with how long the model thought, statistics under the answer', async ({ page }) => {
	const id = await storedConversation('Thinking', []);
	const t = await token();
	await call(server, 'POST', `/api/conversations/${id}/messages`, { token: t, body: { role: 'user', content: 'What is 6 times 7?' } });
	const stats = { ttft_ms: 120, tokens_per_second: 42.5, prompt_tokens: 30, completion_tokens: 12, context_window: 4096, reasoning_ms: 2300 };
	const stored = await call(server, 'POST', `/api/conversations/${id}/messages`, {
		token: t,
		body: { role: 'assistant', content: '**42**', reasoning: 'Six sevens are forty-two.', finish_reason: 'stop', stats }
	});
	expect(stored.status).toBe(201);
	await page.goto(`${server.url}/chat/${id}`);
	const answer = messages(page, 'assistant');
	const reasoning = answer.getByTestId('chat-reasoning');
	await expect(reasoning.locator('summary')).toHaveText('Thought for 2.3 s');
	await expect(reasoning).not.toHaveAttribute('open', '');
	await expect(reasoning.getByText('Six sevens are forty-two.')).toBeHidden();
	await reasoning.locator('summary').click();
	await expect(reasoning.getByText('Six sevens are forty-two.')).toBeVisible();
	await expect(answer.locator('strong')).toHaveText('42');
	await expect(answer.getByTestId('chat-stats')).toHaveText(/42\.5 tok\/s.*TTFT 120 ms.*12 tokens.*context 42 \/ 4096.*stop/);
});

test('another user cannot open the conversation (404)', async ({ browser }) => {
	const id = await storedConversation('Private plans', [['secret question', 'secret answer']]);
	const admin = await token();
	await signUp(server, 'eve@example.com', 'eve-password-long', admin);
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await page.goto(`${server.url}/login`);
		await page.getByLabel('Email').fill('eve@example.com');
		await page.getByLabel('Password').fill('eve-password-long');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByTestId('current-user')).toHaveText('eve@example.com');
		const response = await page.goto(`${server.url}/chat/${id}`);
		expect(response?.status()).toBe(404);
		await expect(page.getByText('Conversation not found')).toBeVisible();
		await expect(page.getByText('secret answer')).toHaveCount(0);
		await page.goto(`${server.url}/chat`);
		await expect(page.getByTestId('conversation-item')).toHaveCount(0);
	} finally {
		await context.close();
	}
});

test('the view follows a second long answer, and offers to jump to the latest after scrolling up', async ({ page }) => {
	test.setTimeout(180_000);
	const long = Array.from({ length: 60 }, (_, i) => `Paragraph ${i + 1} of a long first answer.`).join('\n\n');
	const id = await storedConversation('Long answers', [['Tell me a lot.', long]], { model: MODEL_ID, max_tokens: 600 });
	await page.goto(`${server.url}/chat/${id}`);
	const log = page.getByTestId('chat-log');
	const below = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
	await expect(messages(page, 'assistant')).toContainText('Paragraph 60');
	expect(await log.evaluate((el) => el.scrollHeight > 2 * el.clientHeight)).toBe(true);
	await expect.poll(below).toBeLessThan(60);
	await ask(page, 'And another long one.');
	expect(await below()).toBeLessThan(60);
	await ask(page, 'And a third.');
	expect(await below()).toBeLessThan(60);

	await log.evaluate((el) => el.scrollTo({ top: 0 }));
	await expect(page.getByTestId('jump-latest')).toBeVisible();
	await page.getByTestId('jump-latest').click();
	await expect.poll(below).toBeLessThan(60);
	await expect(page.getByTestId('jump-latest')).toHaveCount(0);
});

test('keyboard: Shift+Enter new line, Enter sends, Esc stops, ↑ edits the last question', async ({ page }) => {
	await newChat(page, 4000);
	const input = page.getByTestId('chat-input');
	await input.fill('line one');
	await input.press('Shift+Enter');
	await input.pressSequentially('line two');
	await expect(input).toHaveValue('line one\nline two');
	await input.press('Enter');
	await expect(page.getByTestId('chat-stop')).toBeVisible();
	await expect(messages(page, 'user')).toContainText('line two');
	await input.press('Escape');
	await expect(messages(page, 'assistant').last()).toHaveAttribute('data-finish', 'cancelled');
	await expect(page.getByTestId('chat-send')).toBeVisible();
	const cut = (await messages(page, 'assistant').last().getByTestId('chat-message-body').textContent()) ?? '';

	// Continue the cut answer, then stop it again: the text only grows.
	await messages(page, 'assistant').last().getByTestId('action-continue').click();
	await expect(page.getByTestId('chat-stop')).toBeVisible();
	await input.press('Escape');
	await expect(page.getByTestId('chat-send')).toBeVisible();
	await expect(messages(page, 'assistant')).toHaveCount(1);
	await expect(messages(page, 'assistant').last()).toHaveAttribute('data-finish', 'cancelled');
	const continued = (await messages(page, 'assistant').last().getByTestId('chat-message-body').textContent()) ?? '';
	expect(continued.length).toBeGreaterThanOrEqual(cut.trim().length);

	await input.press('ArrowUp');
	await expect(page.getByTestId('edit-input')).toHaveValue('line one\nline two');
	await page.getByTestId('edit-input').press('Escape');
	await expect(page.getByTestId('edit-input')).toHaveCount(0);

	// Delete the answer: gone after a reload too.
	await messages(page, 'assistant').getByTestId('action-delete').click();
	await expect(messages(page, 'assistant')).toHaveCount(0);
	await page.reload();
	await expect(messages(page, 'user')).toHaveCount(1);
	await expect(messages(page, 'assistant')).toHaveCount(0);
});

test('a text file is attached and a long paste is offered as one', async ({ page }) => {
	await newChat(page, 8);
	await page.getByTestId('chat-attach').setInputFiles({ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\nremember the milk') });
	await expect(page.getByTestId('composer-attachment')).toContainText('notes.md');
	await page.getByTestId('chat-attach').setInputFiles({ name: 'big.log', mimeType: 'text/plain', buffer: Buffer.alloc(300 * 1024, 'a') });
	await expect(page.getByTestId('attach-notice')).toContainText('up to 256 KB');
	await page.getByTestId('chat-attach').setInputFiles({ name: 'blob.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([1, 0, 2, 0]) });
	await expect(page.getByTestId('attach-notice')).toContainText('not a text file');

	await page.getByTestId('chat-input').focus();
	await page.evaluate(() => {
		const data = new DataTransfer();
		data.setData('text/plain', 'x'.repeat(5000));
		document.querySelector('[data-testid="chat-input"]')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
	});
	await page.getByTestId('paste-attach').click();
	await expect(page.getByTestId('composer-attachment')).toHaveCount(2);
	await page.getByTestId('chat-input').fill('Summarise these.');
	await page.getByTestId('chat-input').press('Enter');
	await expect(messages(page, 'user').getByTestId('message-attachment')).toHaveText(['📄 notes.md', '📄 pasted-2.txt']);
	await expect(page.getByTestId('chat-send')).toBeVisible({ timeout: 60_000 });
	const id = page.url().split('/').pop()!;
	const stored = await call(server, 'GET', `/api/conversations/${id}`, { token: await token() });
	expect(stored.body.messages[0].attachments[0]).toMatchObject({ name: 'notes.md', text: '# Notes\nremember the milk' });
});

test('"Chat" on a library card and on a profile opens a new chat with that model', async ({ page }) => {
	await page.goto(`${server.url}/models`);
	await page.locator(`[data-testid="library-card"][data-model="${MODEL_ID}"]`).getByTestId('chat-with-model').click();
	await expect(page).toHaveURL(/\/chat\?model=/);
	await expect(page.getByTestId('chat-model')).toHaveValue(MODEL_ID);
	await expect(page.getByTestId('chat-title')).toHaveText('New chat');

	const t = await token();
	const created = await call(server, 'POST', '/api/profiles', { token: t, body: { name: 'tiny-profile', model_id: MODEL_ID, context_size: 512 } });
	expect([201, 409]).toContain(created.status);
	await page.goto(`${server.url}/profiles`);
	await page.locator('[data-testid="profile-row"][data-name="tiny-profile"]').getByTestId('chat-with-profile').click();
	await expect(page.getByTestId('chat-model')).toHaveValue('tiny-profile');
	await expect(page.getByTestId('model-state')).toContainText(/Loading tiny-profile|Loaded and ready/);
	await expect(page.getByTestId('model-state')).toHaveText('Loaded and ready.', { timeout: 60_000 });
});
