import { test, expect, type Page } from '@playwright/test';
import {
  authorizeInPopup,
  freshMember,
  resetSandbox,
  signInWith,
  waitForHydration,
  type DemoRole,
  type Member,
} from './helpers';

const shots = (name: string) => `../target/e2e/screenshots/${name}.png`;

/** Signs in as a new member of a new workspace (or of `workspace`) and opens the TikTok page. */
async function openTikTokPage(page: Page, role: DemoRole = 'manager', workspace?: string): Promise<Member> {
  const member = freshMember(role, workspace);
  await signInWith(page, member.email, member.password);
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
  await waitForHydration(page);
  return member;
}

function card(page: Page, name: string) {
  return page.getByTestId('connection-card').filter({ hasText: name });
}

test.afterEach(async ({ request }) => {
  await resetSandbox(request);
});

test('a manager connects TikTok in a popup, sees Pending review and imports accounts', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await openTikTokPage(page);
  await authorizeInPopup(page, () => page.getByTestId('connect-button').click(), 'Avery Business');

  const picker = page.getByTestId('picker');
  await expect(picker.getByRole('heading', { name: 'Choose advertiser accounts to import' })).toBeVisible();
  await expect(picker.getByText('Pending review')).toBeVisible();
  await expect(picker.getByText(/TikTok is reviewing this account \(usually 24–72 h\)/)).toBeVisible();
  const importButton = picker.getByRole('button', { name: 'Import selected' });
  await expect(importButton).toBeDisabled();
  await page.screenshot({ path: shots('picker'), fullPage: true });

  await picker.getByLabel(/Acme Shoes US/).check();
  await picker.getByLabel(/Acme Outlet/).check();
  await expect(importButton).toBeEnabled();
  await importButton.click();

  await expect(page.getByTestId('picker')).toHaveCount(0);
  await expect(page.getByTestId('notice')).toContainText('Imported 2 advertiser accounts');
  const avery = card(page, 'Avery Business');
  await expect(avery.getByTestId('card-status')).toHaveText('Connected');
  await expect(avery.getByTestId('advertiser-count')).toHaveText('2 advertiser accounts');
  await expect(avery.getByTestId('sync-label').first()).toHaveText(/Waiting for first sync|First sync in progress|Last synced/);
  await page.screenshot({ path: shots('card-connected'), fullPage: true });

  // A reload renders the cards on the server; hydrating them must not complain.
  await page.reload();
  await waitForHydration(page);
  await expect(card(page, 'Avery Business').getByTestId('card-status')).toHaveText('Connected');
  expect(errors).toEqual([]);
});

test('a personal TikTok account finds no advertiser accounts and can try again', async ({ page }) => {
  await openTikTokPage(page, 'admin');
  await authorizeInPopup(page, () => page.getByTestId('connect-button').click(), 'Casey Personal');
  const empty = page.getByTestId('no-advertisers');
  await expect(empty.getByRole('heading', { name: 'No advertiser accounts found' })).toBeVisible();
  await expect(empty).toContainText('personal TikTok account');
  await expect(empty).toContainText('Business Center');
  await expect(empty.getByRole('link', { name: 'Try again' })).toBeVisible();
  await page.screenshot({ path: shots('no-advertisers'), fullPage: true });
});

test('cancelling at TikTok leaves the popup open with the reason and a way to try again', async ({ page }) => {
  await openTikTokPage(page, 'admin');
  const popupPromise = page.waitForEvent('popup');
  await page.getByTestId('connect-button').click();
  const popup = await popupPromise;
  await popup.getByRole('button', { name: 'Cancel' }).click();
  await expect(popup.getByRole('heading', { name: 'TikTok was not connected' })).toBeVisible();
  await expect(popup.getByRole('alert')).toContainText('Nothing was connected');
  await expect(popup.getByRole('link', { name: 'Try again' })).toBeVisible();
  await popup.screenshot({ path: shots('popup-cancelled') });
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'Close' }).click();
  await closed;
  await expect(page.getByTestId('picker')).toHaveCount(0);
});

test('a blocked popup is explained and the flow continues in the same window', async ({ page }) => {
  await page.addInitScript(() => {
    window.open = () => null;
  });
  await openTikTokPage(page, 'owner');
  await page.getByTestId('connect-button').click();
  const blocked = page.getByTestId('popup-blocked');
  await expect(blocked).toContainText('Pop-up blocked: allow pop-ups for this site');
  await page.screenshot({ path: shots('popup-blocked'), fullPage: true });

  await blocked.getByRole('link', { name: 'continue in this window' }).click();
  await expect(page).toHaveTitle('TikTok For Business');
  await page.getByLabel(/Blake Partner/).check();
  await page.getByRole('button', { name: 'Authorize' }).click();
  await expect(page).toHaveURL(/\/connect\/tiktok\?grant=\d+/);
  await waitForHydration(page);
  const picker = page.getByTestId('picker');
  await picker.getByLabel(/Globex Japan/).check();
  await picker.getByRole('button', { name: 'Import selected' }).click();
  await expect(card(page, 'Blake Partner').getByTestId('card-status')).toHaveText('Connected');
});

test('reconnect and disconnect from the card menu', async ({ page, request }) => {
  await openTikTokPage(page);
  await authorizeInPopup(page, () => page.getByTestId('connect-button').click(), 'Avery Business');
  const picker = page.getByTestId('picker');
  await picker.getByLabel(/Acme Shoes EU/).check();
  await picker.getByRole('button', { name: 'Import selected' }).click();
  const avery = card(page, 'Avery Business');
  await expect(avery.getByTestId('card-status')).toHaveText('Connected');

  // TikTok stops accepting the token: the card turns yellow once TikTok says so.
  await request.post('/sandbox/tiktok/control/revoke', { data: { user_id: '7100000000000000001' } });
  await avery.getByRole('button', { name: 'Connection menu' }).click();
  await avery.getByRole('menuitem', { name: 'Manage accounts' }).click();
  await expect(page.getByTestId('picker').getByRole('alert')).toContainText('no longer accepts');
  await expect(avery.getByTestId('card-status')).toHaveText('Reconnect');
  await expect(avery.getByTestId('reconnect-needed')).toContainText('40105');
  await page.screenshot({ path: shots('card-reconnect'), fullPage: true });

  await authorizeInPopup(page, () => avery.getByTestId('reconnect-needed').getByRole('button', { name: 'Reconnect' }).click(), 'Avery Business');
  await expect(page.getByTestId('notice')).toContainText('TikTok is reconnected');
  await expect(avery.getByTestId('card-status')).toHaveText('Connected');

  await avery.getByRole('button', { name: 'Connection menu' }).click();
  await authorizeInPopup(page, () => avery.getByRole('menuitem', { name: 'Reconnect' }).click(), 'Avery Business');
  await expect(avery.getByTestId('card-status')).toHaveText('Connected');

  await avery.getByRole('button', { name: 'Connection menu' }).click();
  await avery.getByRole('menuitem', { name: 'Disconnect' }).click();
  const confirm = avery.getByRole('alertdialog', { name: 'Confirm disconnect' });
  await expect(confirm).toContainText('revokes its token at TikTok');
  await page.screenshot({ path: shots('disconnect-confirm'), fullPage: true });
  await confirm.getByRole('button', { name: 'Yes, disconnect' }).click();
  await expect(page.getByTestId('notice')).toContainText('Disconnected Avery Business');
  await expect(card(page, 'Avery Business')).toHaveCount(0);
});

test('a mediabuyer sees the connections but no active Connect button', async ({ page, browser }) => {
  // A manager connects first, so there is a card to look at.
  const manager = await openTikTokPage(page);
  await authorizeInPopup(page, () => page.getByTestId('connect-button').click(), 'Blake Partner');
  await page.getByTestId('picker').getByLabel(/Globex Japan/).check();
  await page.getByTestId('picker').getByRole('button', { name: 'Import selected' }).click();
  await expect(card(page, 'Blake Partner').getByTestId('card-status')).toHaveText('Connected');

  const mediabuyer = await browser.newPage();
  await openTikTokPage(mediabuyer, 'mediabuyer', manager.workspace);
  await expect(mediabuyer.getByTestId('read-only-notice')).toHaveText('A manager or above must connect TikTok.');
  await expect(card(mediabuyer, 'Blake Partner').getByTestId('card-status')).toHaveText('Connected');
  await expect(mediabuyer.getByTestId('connect-button')).toHaveCount(0);
  await expect(mediabuyer.getByRole('button', { name: 'Connection menu' })).toHaveCount(0);
  // The server refuses too, not only the page: a same-origin start is still 403 for a mediabuyer.
  const origin = new URL(mediabuyer.url()).origin;
  const response = await mediabuyer.request.get('/connect/tiktok/start', {
    maxRedirects: 0,
    headers: { Referer: `${origin}/connect/tiktok` },
  });
  expect(response.status()).toBe(403);
  expect(await response.text()).toContain('manager role or above');
  await mediabuyer.screenshot({ path: shots('mediabuyer'), fullPage: true });
});

test('a request from another site cannot start a TikTok authorization', async ({ page }) => {
  await openTikTokPage(page);
  const response = await page.request.get('/connect/tiktok/start', {
    maxRedirects: 0,
    headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
  });
  expect(response.status()).toBe(403);
  expect(await response.text()).toContain('only accepts changes made from its own pages');
});
