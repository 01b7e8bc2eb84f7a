import { expect, type Page } from '@playwright/test';

/**
 * Signs in through the login page as the account `email`; the first call creates it there (the first
 * account registered becomes the admin), later calls sign in.
 */
export function uiSignIn(url: () => string, email: string, password: string): (page: Page) => Promise<void> {
	let registered = false;
	return async (page) => {
		await page.goto(`${url()}/login`);
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: registered ? 'Sign in' : 'Create account' }).click();
		await expect(page.getByTestId('current-user')).toHaveText(email);
		registered = true;
	};
}
