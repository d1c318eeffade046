import { expect, type Page } from '@playwright/test';
import { demoPassword } from '../playwright.config';

export type DemoRole = 'mediabuyer' | 'manager' | 'admin' | 'owner' | 'super-admin';

export const demoEmail = (role: DemoRole) => `${role}@demo.wevion.test`;

/** Waits until the wasm bundle has hydrated the page; clicks before that would do nothing. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

export async function signIn(page: Page, role: DemoRole, password = demoPassword) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(demoEmail(role));
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
