import { test, expect } from '@playwright/test';
import { demoEmail, signIn, waitForHydration } from './helpers';

test('an unauthenticated visit to the TikTok page lands on the sign-in page', async ({ page }) => {
  await page.goto('/connect/tiktok');
  await expect(page).toHaveURL(/\/login\?next=%2Fconnect%2Ftiktok/);
  await expect(page.getByRole('heading', { name: 'Sign in to Wevion' })).toBeVisible();
});

test('the sign-in page hydrates', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto('/login');
  await waitForHydration(page);
  expect(errors).toEqual([]);
});

test('a wrong password shows one clear message', async ({ page }) => {
  await signIn(page, 'manager', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await expect(page).toHaveURL(/\/login/);
});

test('the seeded manager signs in and sees the shell and the Connect area', async ({ page }) => {
  await signIn(page, 'manager');
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
  await waitForHydration(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'TikTok' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Ads Manager' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByTestId('user-email')).toHaveText(demoEmail('manager'));
  await expect(page.getByTestId('workspace-name')).toHaveText('Demo Agency');
  await expect(page.getByRole('heading', { name: 'TikTok For Business' })).toBeVisible();
  await expect(page.getByTestId('connect-button')).toBeVisible();
  await expect(page.getByTestId('read-only-notice')).toHaveCount(0);

  await nav.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { name: 'Connect TikTok to see your results' })).toBeVisible();
});

test('a mediabuyer sees the TikTok page read-only', async ({ page }) => {
  await signIn(page, 'mediabuyer');
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
  await expect(page.getByTestId('read-only-notice')).toHaveText('A manager or above must connect TikTok.');
  await expect(page.getByTestId('connect-button')).toHaveCount(0);
});

test('signing out returns to the sign-in page and the app stays closed', async ({ page }) => {
  await signIn(page, 'admin');
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard/);
});

test('an unknown address shows the not-found page', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
