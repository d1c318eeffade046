import { defineConfig } from '@playwright/test';

// The server is the built `wevion` binary (scripts/test.sh builds it and sets WEVION_BIN),
// run from the project root on a fresh SQLite file with the demo workspace seeded.
const port = Number(process.env.E2E_PORT ?? 3100);
export const baseURL = `http://127.0.0.1:${port}`;
export const demoPassword = process.env.SEED_DEMO_PASSWORD ?? 'e2e-demo-password';
// The server's database (relative to the project root, where the server and the CLI run).
export const databaseUrl = process.env.E2E_DATABASE_URL ?? 'sqlite://target/e2e/wevion.db?mode=rwc';

export default defineConfig({
  testDir: './tests',
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
    },
  },
  webServer: {
    command: process.env.WEVION_BIN ?? '../target/debug/wevion',
    cwd: '..',
    url: `${baseURL}/readyz`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      SEED_DEMO_PASSWORD: demoPassword,
      RUST_LOG: 'info',
    },
  },
});
