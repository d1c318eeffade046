import { test, expect, type Page } from '@playwright/test';
import { connectAndImport, resetSandbox, waitForHydration } from './helpers';

const shots = (name: string) => `../target/e2e/screenshots/${name}.png`;

test.afterEach(async ({ request }) => {
  await resetSandbox(request);
});

/** A manager imports Acme Shoes US, waits for its first sync and opens its top campaign's page. */
async function campaignPage(page: Page) {
  await connectAndImport(page, 'Avery Business', [/Acme Shoes US/]);
  await expect(page.getByTestId('toast')).toHaveText(/Imported \d+ campaigns from TikTok/, { timeout: 60_000 });
  await page.goto('/ads?range=last_30');
  await waitForHydration(page);
  await page.getByTestId('ads-row').first().getByTestId('drill').click();
  await expect(page).toHaveURL(/level=adgroups/);
}

test('a campaign page breaks its results down by age and gender, country and platform; the URL keeps the choice', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await campaignPage(page);
  const section = page.getByTestId('breakdowns');
  await expect(section).toHaveAttribute('data-breakdown', 'age_gender');
  await expect(section.getByTestId('chart')).toHaveAttribute('data-title', /Spend \(USD\) by age and gender/);
  await expect(section.locator('.chart-svg rect.bar').first()).toBeVisible();
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shots('breakdowns-age-gender-1280'), fullPage: true });

  // Country: a ranked table behind the chart, the largest spender first.
  await section.getByTestId('breakdown-tabs').getByRole('link', { name: 'Country' }).click();
  await expect(page).toHaveURL(/audience=country/);
  await expect(section).toHaveAttribute('data-breakdown', 'country');
  await section.getByText('Show as table').click();
  const lines = section.locator('.table-box tbody tr');
  await expect(lines.first()).toBeVisible();
  const named = lines.filter({ hasNot: page.getByRole('cell', { name: 'Other', exact: true }) });
  const spends = (await named.locator('td:nth-child(2)').allTextContents()).map((t) => Number(t.replace(/,/g, '')));
  expect(spends.length).toBeGreaterThan(1);
  expect(spends).toEqual([...spends].sort((a, b) => b - a));
  await expect(lines.first().locator('td').first()).toHaveText(/\([A-Z]{2}\)$/);

  // The figure charted, then back walks back through both choices.
  await section.getByTestId('breakdown-metrics').getByRole('link', { name: 'Clicks', exact: true }).click();
  await expect(page).toHaveURL(/audience_metric=clicks/);
  await expect(section.getByTestId('chart')).toHaveAttribute('data-title', 'Clicks by country');
  await page.reload();
  await expect(section.getByTestId('chart')).toHaveAttribute('data-title', 'Clicks by country');
  await page.goBack();
  await expect(page).not.toHaveURL(/audience_metric/);
  await expect(section.getByTestId('chart')).toHaveAttribute('data-title', /Spend \(USD\) by country/);
  await page.goBack();
  await expect(page).not.toHaveURL(/audience=/);
  await expect(section).toHaveAttribute('data-breakdown', 'age_gender');

  await section.getByTestId('breakdown-tabs').getByRole('link', { name: 'Platform' }).click();
  await expect(section.getByTestId('chart')).toHaveAttribute('data-title', /by platform/);
  await page.setViewportSize({ width: 390, height: 844 });
  await section.getByText('Show as table').click();
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shots('breakdowns-platform-390'), fullPage: true });
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(pageWidth, 'nothing runs off a phone').toBeLessThanOrEqual(390);
  expect(errors).toEqual([]);
});

test('Ads Manager breaks the campaign table down by age, and its CSV carries a line per campaign and age', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await connectAndImport(page, 'Avery Business', [/Acme Shoes US/]);
  await expect(page.getByTestId('toast')).toHaveText(/Imported \d+ campaigns from TikTok/, { timeout: 60_000 });
  await page.goto('/ads?range=last_30');
  await waitForHydration(page);
  await page.getByTestId('breakdown').selectOption('age');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/breakdown=age/);
  const splits = page.getByTestId('split-row');
  await expect(splits.first()).toBeVisible();
  // The first campaign's ages follow its line, largest spend first like the table.
  const first = page.locator('tr[data-testid="ads-row"] + tr.split').first();
  await expect(first).toHaveAttribute('data-value', /^(\d+–\d+|\d+\+)$/);
  const ages: number[] = [];
  for (const row of await page.locator('tbody tr').all()) {
    if ((await row.getAttribute('data-testid')) === 'ads-row') {
      if (ages.length) break;
      continue;
    }
    ages.push(Number(((await row.locator('[data-metric="spend"]').textContent()) ?? '').replace(/[^\d.]/g, '')));
  }
  expect(ages.length).toBeGreaterThan(1);
  expect(ages).toEqual([...ages].sort((a, b) => b - a));
  await page.screenshot({ path: shots('ads-breakdown-age-1280'), fullPage: true });

  const href = (await page.getByTestId('export-csv').getAttribute('href')) ?? '';
  expect(href).toContain('breakdown=age');
  const csv = await (await page.request.get(href)).text();
  const [head, ...lines] = csv.trim().split('\n');
  expect(head.split(',').slice(0, 3)).toEqual(['campaign', 'TikTok ID', 'Age']);
  expect(lines.length).toBeGreaterThan(await page.getByTestId('ads-row').count());

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: shots('ads-breakdown-age-390'), fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing runs off a phone').toBeLessThanOrEqual(390);
  expect(errors).toEqual([]);
});

test('the Dashboard shows today by hour against yesterday and who saw the ads', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await connectAndImport(page, 'Avery Business', [/Acme Shoes US/]);
  await expect(page.getByTestId('toast')).toHaveText(/Imported \d+ campaigns from TikTok/, { timeout: 60_000 });
  await page.goto('/dashboard');
  await waitForHydration(page);
  const pacing = page.getByTestId('pacing');
  await expect(pacing).toHaveAttribute('data-currency', 'USD');
  await expect(pacing.getByTestId('pace').first()).toHaveText(
    /^Spend: (\d+% (ahead of|behind)|level with) yesterday at \d\d:00\.$|^Spend: (nothing by this hour|pacing shows once)/,
  );
  const spend = pacing.getByTestId('chart').first();
  await expect(spend).toHaveAttribute('data-title', 'Spend (USD) today by hour');
  await expect(spend.locator('path.line.earlier')).toHaveCount(1);
  await spend.getByText('Show as table').click();
  await expect(spend.locator('tbody tr')).toHaveCount(24);

  // The last two days of the daily charts are provisional: drawn lighter, and said so.
  await expect(page.getByTestId('provisional')).toContainText('The last two days are provisional');
  await expect(page.locator('[data-testid="chart"] path.line.provisional').first()).toBeAttached();

  const panel = page.getByTestId('breakdown-panel');
  await expect(panel.getByTestId('chart')).toHaveCount(3);
  await expect(panel.getByTestId('chart').first()).toHaveAttribute('data-title', /^Spend \(USD\) by age and gender/);
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shots('dashboard-audience-1280'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: shots('dashboard-audience-390'), fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing runs off a phone').toBeLessThanOrEqual(390);
  expect(errors).toEqual([]);
});
