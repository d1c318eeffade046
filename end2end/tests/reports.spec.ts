import { test, expect, type Page } from '@playwright/test';
import { connectAndImport, freshMember, resetSandbox, signInWith, waitForHydration } from './helpers';

const shots = (name: string) => `../target/e2e/screenshots/${name}.png`;

/** Money as the tables print it (`1,234.56 USD`) as a number. */
const amount = (text: string | null) => Number((text ?? '').replace(/[^\d.-]/g, ''));

const rows = (page: Page) => page.getByTestId('ads-row');
const spendOf = (page: Page) => rows(page).locator('[data-metric="spend"]').allTextContents();
const totalSpend = (page: Page) => page.getByTestId('totals').first().locator('[data-metric="spend"]').textContent();

/** A manager imports Acme Shoes US and waits for its first sync to finish. */
async function syncedAcme(page: Page) {
  const member = await connectAndImport(page, 'Avery Business', [/Acme Shoes US/]);
  await expect(page.getByTestId('toast')).toHaveText(/Imported \d+ campaigns from TikTok/, { timeout: 60_000 });
  return member;
}

test.afterEach(async ({ request }) => {
  await resetSandbox(request);
});

test('Ads Manager lists the synced campaigns, sorts, changes range, drills down to ads and back', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await syncedAcme(page);
  await page.getByRole('link', { name: 'Ads Manager' }).click();
  await expect(page).toHaveURL(/\/ads$/);
  await waitForHydration(page);
  await expect(rows(page).first()).toBeVisible();
  const spends = (await spendOf(page)).map(amount);
  expect(spends.some((s) => s > 0)).toBeTruthy();
  expect(spends).toEqual([...spends].sort((a, b) => b - a));
  await page.screenshot({ path: shots('ads-manager'), fullPage: true });

  // A status's colour follows TikTok's state: green while it delivers, plain when paused, red
  // when deleted, yellow for anything else TikTok says.
  const badges = rows(page).locator('span.badge');
  await expect(badges.first()).toBeVisible();
  for (const badge of await badges.all()) {
    const text = (await badge.textContent()) ?? '';
    const tone =
      text === 'Active' ? 'ok' : text === 'Paused' ? 'neutral' : /^(Deleted|Gone from TikTok)$/.test(text) ? 'err' : 'warn';
    await expect(badge, text).toHaveClass(new RegExp(`\\b${tone}\\b`));
  }

  // Sorting: Spend again turns it round; Name sorts A→Z.
  await page.locator('th a[data-sort="spend"]').click();
  await expect(page).toHaveURL(/dir=asc/);
  await expect(page.locator('th[aria-sort="ascending"]')).toContainText('Spend');
  const up = (await spendOf(page)).map(amount);
  expect(up).toEqual([...up].sort((a, b) => a - b));
  await page.locator('th a[data-sort="name"]').click();
  await expect(page).toHaveURL(/sort=name/);
  const names = await rows(page).locator('td.name a').allTextContents();
  expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));

  // Presets change the figures.
  const week = amount(await totalSpend(page));
  await page.locator('a[data-range="last_30"]').click();
  await expect(page).toHaveURL(/range=last_30/);
  await expect.poll(async () => amount(await totalSpend(page))).toBeGreaterThan(week);
  await page.locator('a[data-range="today"]').click();
  await expect(page).toHaveURL(/range=today/);
  await expect.poll(async () => amount(await totalSpend(page))).toBeLessThan(week);

  // Drill down: campaign → ad groups → ads, then back (deleted ones shown, so every campaign
  // has ad groups to drill into).
  await page.getByTestId('show-deleted').check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/deleted=1/);
  const campaign = (await rows(page).first().getByTestId('drill').textContent()) ?? '';
  await rows(page).first().getByTestId('drill').click();
  await expect(page).toHaveURL(/level=adgroups/);
  await expect(page.getByTestId('crumbs')).toContainText(campaign);
  await expect(page.getByTestId('ads-table')).toHaveAttribute('data-level', 'ad groups');
  await rows(page).first().getByTestId('drill').click();
  await expect(page).toHaveURL(/level=ads/);
  await expect(page.getByTestId('creative').first()).toBeVisible();
  await expect(page.getByTestId('creative').first().locator('img')).toHaveJSProperty('complete', true);
  await expect
    .poll(() => page.getByTestId('creative').first().locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await page.screenshot({ path: shots('ads-manager-ads'), fullPage: true });
  await page.goBack();
  await expect(page).toHaveURL(/level=adgroups/);
  await expect(page.getByTestId('ads-table')).toHaveAttribute('data-level', 'ad groups');
  await page.goBack();
  await expect(page).not.toHaveURL(/level=/);
  await expect(page).toHaveURL(/deleted=1/);
  await expect(page.getByTestId('ads-table')).toHaveAttribute('data-level', 'campaigns');

  // Filters are a GET form: the state lands in the URL.
  await page.getByLabel('Search').fill('zzz-no-such-campaign');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=zzz-no-such-campaign/);
  await expect(page.getByTestId('no-rows')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a mediabuyer switches Ads Manager column sets, the URL keeps the choice and the CSV has those columns', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await syncedAcme(page);
  await page.goto('/ads');
  await waitForHydration(page);
  const sets = page.getByTestId('column-sets');
  await expect(sets.locator('a[aria-current="true"]')).toHaveText('Performance');

  await sets.getByRole('link', { name: 'Conversions' }).click();
  await expect(page).toHaveURL(/cols=conversions/);
  const heads = page.getByTestId('ads-table').locator('thead th');
  await expect(heads.filter({ hasText: 'ROAS' })).toHaveCount(1);
  await expect(heads.filter({ hasText: 'Cost per result' })).toHaveCount(1);
  await expect(heads.filter({ hasText: 'CPM' })).toHaveCount(0);
  const roas = await rows(page).locator('[data-metric="roas"]').allTextContents();
  expect(roas.some((r) => /^\d+\.\d\d$/.test(r))).toBeTruthy();
  await page.screenshot({ path: shots('ads-manager-conversions'), fullPage: true });

  // Sorting keeps the column set; a reload and the back button keep it too.
  await page.locator('th a[data-sort="roas"]').click();
  await expect(page).toHaveURL(/cols=conversions/);
  await expect(page).toHaveURL(/sort=roas/);
  await page.reload();
  await expect(sets.locator('a[aria-current="true"]')).toHaveText('Conversions');

  await sets.getByRole('link', { name: 'Video' }).click();
  await expect(page).toHaveURL(/cols=video/);
  await expect(page).not.toHaveURL(/sort=roas/);
  await expect(rows(page).first().locator('[data-metric="average_watch"]')).toHaveText(/^\d+\.\d\d$/);
  await page.screenshot({ path: shots('ads-manager-video'), fullPage: true });

  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const file = await (await download).path();
  const header = (await import('node:fs')).readFileSync(file, 'utf8').split('\n')[0];
  expect(header).toContain('2-second views');
  expect(header).toContain('Average watch time (s)');
  expect(header).not.toContain('CPC');

  await page.goBack();
  await expect(page).toHaveURL(/cols=conversions/);
  expect(errors).toEqual([]);
});

test('the dashboard shows ROAS, results and cost per result beside the other totals', async ({ page }) => {
  await syncedAcme(page);
  await page.goto('/dashboard?range=last_30');
  await waitForHydration(page);
  for (const kpi of ['ROAS', 'Results', 'Cost per result', 'Purchase value']) {
    await expect(page.locator(`[data-kpi="${kpi}"] [data-testid="kpi-value"]`)).toHaveText(/\d/);
  }
});

test('the dashboard charts the last 90 days and its totals match Ads Manager for the same range', async ({ page }) => {
  await syncedAcme(page);
  await page.goto('/dashboard?range=last_30');
  await waitForHydration(page);
  await expect(page.getByTestId('freshness')).toHaveText(/Last synced/);
  const charts = page.getByTestId('daily-charts').getByTestId('chart');
  await expect(charts).toHaveCount(4);
  // 90 days: the settled ones, then the last two (provisional) drawn lighter from the last settled day.
  const paths = (selector: string) =>
    charts.locator(selector).evaluateAll((paths) => paths.map((p) => (p.getAttribute('d') ?? '').split(' L').length));
  expect(await paths('svg path.line:not(.provisional)')).toEqual([88, 88, 88, 88]);
  expect(await paths('svg path.line.provisional')).toEqual([3, 3, 3, 3]);
  const spend = await page.locator('[data-kpi="Spend"] [data-testid="kpi-value"]').textContent();
  const clicks = await page.locator('[data-kpi="Clicks"] [data-testid="kpi-value"]').textContent();
  await expect(page.getByTestId('top-campaigns').locator('tbody tr').first()).toBeVisible();
  await charts.first().getByText('Show as table').click();
  await expect(charts.first().locator('details table tbody tr')).toHaveCount(90);
  await page.screenshot({ path: shots('dashboard'), fullPage: true });

  await page.goto('/ads?range=last_30&deleted=1');
  await waitForHydration(page);
  const totals = page.getByTestId('totals').first();
  await expect(totals.locator('[data-metric="spend"]')).toHaveText(spend ?? '');
  await expect(totals.locator('[data-metric="clicks"]')).toHaveText(clicks ?? '');
});

test('a mediabuyer sees Ads Manager and the Dashboard of their workspace', async ({ page, browser }) => {
  const manager = await syncedAcme(page);
  const buyer = freshMember('mediabuyer', manager.workspace);
  const context = await browser.newContext();
  const theirs = await context.newPage();
  await signInWith(theirs, buyer.email, buyer.password);
  await expect(theirs).toHaveURL(/\/connect\/tiktok$/);
  await theirs.goto('/ads');
  await expect(rows(theirs).first()).toBeVisible();
  await theirs.goto('/dashboard');
  await expect(theirs.getByTestId('chart').first().locator('svg')).toBeVisible();
  await context.close();
});

test('a workspace without TikTok is told to connect it', async ({ page }) => {
  const member = freshMember('manager');
  await signInWith(page, member.email, member.password);
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
  await page.goto('/ads');
  await expect(page.getByTestId('empty-not-connected')).toContainText('Connect TikTok to see campaigns');
  await page.goto('/dashboard');
  await expect(page.getByTestId('empty-not-connected')).toBeVisible();
  await page.getByRole('link', { name: 'Connect TikTok' }).click();
  await expect(page).toHaveURL(/\/connect\/tiktok$/);
});
