import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { databaseUrl, demoPassword } from '../playwright.config';

export type DemoRole = 'mediabuyer' | 'manager' | 'admin' | 'owner' | 'super-admin';

export const demoEmail = (role: DemoRole) => `${role}@demo.wevion.test`;

/** The sandbox is shared by every test: each spec resets it after each test, leaving no fault,
 * latency or count behind for the next. */
export async function resetSandbox(request: APIRequestContext) {
  const response = await request.post('/sandbox/tiktok/control/reset', { data: {} });
  expect(response.ok(), `sandbox reset answered ${response.status()}`).toBeTruthy();
}

/** Waits until the wasm bundle has hydrated the page; clicks before that would do nothing. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

export async function signIn(page: Page, role: DemoRole, password = demoPassword) {
  await signInWith(page, demoEmail(role), password);
}

export async function signInWith(page: Page, email: string, password: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export interface Member {
  email: string;
  password: string;
  workspace: string;
}

/**
 * A member of a workspace of their own, made with the real CLI (`wevion user add`), so a test
 * sees only what it did itself, whatever ran before it. Pass `workspace` for a teammate.
 */
export function freshMember(role: DemoRole = 'manager', workspace?: string): Member {
  const id = randomUUID().slice(0, 8);
  const member = {
    email: `${role}-${id}@e2e.wevion.test`,
    password: `e2e-password-${id}`,
    workspace: workspace ?? `E2E ${id}`,
  };
  const bin = path.resolve(process.env.WEVION_BIN ?? '../target/debug/wevion');
  execFileSync(
    bin,
    ['user', 'add', '--workspace', member.workspace, '--email', member.email, '--role', role.replace('-', '_')],
    { cwd: '..', env: { ...process.env, DATABASE_URL: databaseUrl, WEVION_PASSWORD: member.password }, stdio: 'pipe' },
  );
  return member;
}

/** Clicks Connect (or another popup opener), authorizes as `tiktokUser` in the popup. */
export async function authorizeInPopup(page: Page, open: () => Promise<void>, tiktokUser: string) {
  const popupPromise = page.waitForEvent('popup');
  await open();
  const popup = await popupPromise;
  await expect(popup).toHaveTitle('TikTok For Business');
  await popup.getByLabel(new RegExp(tiktokUser)).check();
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'Authorize' }).click();
  await closed;
}

/** A new manager connects `tiktokUser` and imports `accounts`; returns once the picker closes. */
export async function connectAndImport(page: Page, tiktokUser: string, accounts: RegExp[]): Promise<Member> {
  const member = freshMember('manager');
  await signInWith(page, member.email, member.password);
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
  await waitForHydration(page);
  await authorizeInPopup(page, () => page.getByTestId('connect-button').click(), tiktokUser);
  const picker = page.getByTestId('picker');
  for (const account of accounts) await picker.getByLabel(account).check();
  await picker.getByRole('button', { name: 'Import selected' }).click();
  await expect(page.getByTestId('picker')).toHaveCount(0);
  return member;
}
