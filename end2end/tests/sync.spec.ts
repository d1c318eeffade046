import { test, expect, type Page, type APIRequestContext } from '@playwright/test';
import { connectAndImport, resetSandbox } from './helpers';

const shots = (name: string) => `../target/e2e/screenshots/${name}.png`;

function card(page: Page, name: string) {
  return page.getByTestId('connection-card').filter({ hasText: name });
}

async function control(request: APIRequestContext, path: string, data: unknown) {
  const response = await request.post(`/sandbox/tiktok/control/${path}`, { data });
  expect(response.ok()).toBeTruthy();
}

test.afterEach(async ({ request }) => {
  await resetSandbox(request);
});

test('import leads to a moving progress bar, the toast and a connected card, without a reload', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Slow answers, so the progress is there to see.
  await control(request, 'latency', { millis: 250 });
  await connectAndImport(page, 'Avery Business', [/Acme Shoes US/]);
  const avery = card(page, 'Avery Business');
  const progress = avery.getByTestId('sync-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText(/Syncing .+… \d+ of 14/);
  const first = Number(await progress.locator('progress').getAttribute('value'));
  await page.screenshot({ path: shots('sync-progress'), fullPage: true });
  await expect
    .poll(async () => Number((await progress.locator('progress').getAttribute('value').catch(() => '100')) ?? 100), { timeout: 30_000 })
    .toBeGreaterThan(first);
  await expect(page.getByTestId('toast')).toHaveText(/Imported 4 campaigns from TikTok/, { timeout: 45_000 });
  await expect(avery.getByTestId('card-status')).toHaveText('Connected');
  await expect(avery.getByTestId('sync-label')).toHaveText(/Last synced \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  await expect(avery.getByTestId('sync-counts')).toHaveText('4 campaigns · 8 ad groups · 16 ads');
  await expect(avery.getByTestId('sync-progress')).toHaveCount(0);
  await page.screenshot({ path: shots('sync-done-toast'), fullPage: true });
  expect(errors).toEqual([]);
});

test('sync now queues a sync that runs and updates the card', async ({ page }) => {
  await connectAndImport(page, 'Blake Partner', [/Globex Japan/]);
  const blake = card(page, 'Blake Partner');
  await expect(page.getByTestId('toast')).toBeVisible({ timeout: 45_000 });
  const before = await blake.getByTestId('sync-label').textContent();
  await blake.getByRole('button', { name: 'Connection menu' }).click();
  await blake.getByRole('menuitem', { name: 'Sync now' }).click();
  await expect(page.getByTestId('notice')).toHaveText(/Sync queued for 1 advertiser account|already queued or running/);
  await expect(blake.getByTestId('sync-label')).toHaveText(/Last synced/, { timeout: 45_000 });
  await expect(blake.getByTestId('sync-progress')).toHaveCount(0, { timeout: 45_000 });
  expect(before).toMatch(/Last synced/);
  // Asked again within minutes: nothing is read twice, and the page says when it reads again.
  const notice = page.getByTestId('notice');
  const first = await notice.textContent();
  const clicks = first?.startsWith('Sync queued') ? 1 : 2;
  for (let i = 0; i < clicks; i++) {
    await blake.getByRole('button', { name: 'Connection menu' }).click();
    await blake.getByRole('menuitem', { name: 'Sync now' }).click();
  }
  await expect(notice).toHaveText(
    /A sync was asked for at \d{4}-\d\d-\d\d \d\d:\d\d UTC; Sync now reads everything again from \d{4}-\d\d-\d\d \d\d:\d\d UTC\./,
  );
});

test('a rate-limit wait shows its neutral line, then the sync completes', async ({ page, request }) => {
  // Acme Shoes EU's own: other workspaces' accounts keep syncing meanwhile.
  await control(request, 'faults', { path: 'campaign/get/', code: 40100, count: 5, advertiser_id: '7000000000000000002' });
  await connectAndImport(page, 'Avery Business', [/Acme Shoes EU/]);
  const wait = card(page, 'Avery Business').getByTestId('rate-limit-wait');
  await expect(wait).toHaveText(/Waiting for TikTok rate limit — retrying at \d\d:\d\d UTC/, { timeout: 30_000 });
  await expect(wait).toHaveClass(/notice(?! (err|warn))/);
  await page.screenshot({ path: shots('rate-limit-wait'), fullPage: true });
  await expect(page.getByTestId('toast')).toBeVisible({ timeout: 60_000 });
});

test('a refresh TikTok refuses turns the card yellow with Reconnect', async ({ page, request }) => {
  await connectAndImport(page, 'Avery Business', [/Acme Outlet/]);
  const avery = card(page, 'Avery Business');
  await expect(page.getByTestId('toast')).toBeVisible({ timeout: 45_000 });
  // The token is rejected as expired and its refresh is refused: only Reconnect helps now.
  await control(request, 'faults', { path: 'advertiser/info/', code: 40102, count: 1 });
  await control(request, 'refresh-failure', { code: 40107 });
  await avery.getByRole('button', { name: 'Connection menu' }).click();
  await avery.getByRole('menuitem', { name: 'Sync now' }).click();
  await expect(avery.getByTestId('card-status')).toHaveText('Reconnect', { timeout: 30_000 });
  await expect(avery.getByTestId('reconnect-needed')).toContainText('40107');
  await expect(avery.getByTestId('sync-error')).toContainText('Not synced: no connection that reaches this account has a token TikTok accepts');
  await page.screenshot({ path: shots('sync-reconnect'), fullPage: true });
});
