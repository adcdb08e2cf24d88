// End-to-end scenarios for models and risk: train from the Models page and
// score from the risk monitor (both background jobs followed to the end), the
// training runs and their comparison, risk in the customer list and on the customer page,
// the what-if predictor, promotion and roll-back, the API reference, and what
// a viewer is not offered. Runs after ui.test.mjs, which imports the customers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { baseUrl, launch, passwords, screenshot, signIn } from './browser.mjs';

let browser;

before(async () => {
  browser = await launch();
  browser.context.setDefaultTimeout(20_000);
});
after(async () => {
  await browser?.close();
});

function nav(page, name) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

const percent = (text) => Number(text.replace('%', '').trim()) / 100;

async function trainFromDialog(page, algorithmLabel) {
  await page.getByRole('button', { name: 'Train new model' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('combobox', { name: 'Algorithm' }).click();
  await page.getByRole('option', { name: algorithmLabel }).click();
  await dialog.getByLabel('Search budget').fill('1');
  await dialog.getByRole('button', { name: 'Train' }).click();
  const result = dialog.getByTestId('train-result');
  await result.waitFor({ timeout: 60_000 });
  const text = await result.textContent();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  return text;
}

describe('models and risk in the web UI', () => {
  it('tells a viewer there is no model yet and offers no training', async () => {
    const page = await signIn(browser.context, 'viewer');
    await nav(page, 'Models').click();
    await page.getByText('No model yet').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Train new model' }).count(), 0);
    await nav(page, 'Risk monitor').click();
    await page.getByText('No model yet').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Run scoring now' }).count(), 0);
    await page.close();
  });

  it('trains a model from the Models page and shows its metrics, curves and importance', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Models').click();
    await page.getByText('No model yet').waitFor();
    const result = await trainFromDialog(page, 'Logistic regression');
    assert.match(result, /Model v1/);
    assert.match(result, /ROC-AUC 0\.\d{3}/);
    const row = page.getByRole('table', { name: 'Model versions' }).locator('tbody tr').first();
    assert.match(await row.textContent(), /v1.*production.*Logistic regression/);
    const detail = page.getByTestId('model-detail');
    await detail.getByRole('table', { name: 'Test metrics' }).waitFor();
    const auc = await detail.getByRole('table', { name: 'Test metrics' }).locator('tbody tr').first().locator('td').nth(1).textContent();
    assert.ok(Number(auc) > 0.5 && Number(auc) <= 1, `ROC-AUC ${auc}`);
    await detail.getByRole('img', { name: 'ROC curve' }).locator('path.recharts-curve').first().waitFor();
    await detail.getByTestId('confusion-matrix').waitFor();
    const cells = await detail.getByTestId('confusion-matrix').locator('tbody td div:first-child').allTextContents();
    assert.equal(cells.length, 4);
    assert.ok(cells.map(Number).reduce((a, b) => a + b, 0) > 0);
    await detail.getByRole('img', { name: /Feature importance/ }).locator('.recharts-bar-rectangle').first().waitFor();
    // The training was recorded as a run that produced v1.
    const runs = page.getByTestId('training-runs');
    await runs.getByTestId('run-row').first().waitFor();
    assert.equal(await runs.getByTestId('run-row').count(), 1);
    assert.match(await runs.getByTestId('run-row').first().textContent(), /finished.*v1.*logistic/);
    await screenshot(page, '10-models');
    await page.close();
  });

  it('runs scoring from the risk monitor and lists the highest-risk customers', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Risk monitor').click();
    await page.getByText('No active customers scored yet').waitFor();
    await page.getByRole('button', { name: 'Run scoring now' }).click();
    const result = page.getByTestId('scoring-result');
    await result.waitFor({ timeout: 60_000 });
    assert.match(await result.textContent(), /Scored [\d,]+ customers with model v1/);
    const high = page.getByRole('table', { name: 'Highest risk customers' });
    await high.waitFor();
    // Everyone listed is at or above the high-risk threshold, highest first.
    const threshold = percent((await page.getByText(/^At risk among active customers \(at or above [\d.]+%\)$/).textContent()).match(/[\d.]+%/)[0]);
    const probabilities = (await high.getByTestId('risk-badge').allTextContents()).map((t) => percent(t.match(/[\d.]+%/)[0]));
    assert.deepEqual(probabilities, [...probabilities].sort((a, b) => b - a));
    for (const p of probabilities) assert.ok(p >= threshold - 0.0005, `${p} >= ${threshold}`);
    const highCount = Number(await page.getByTestId('high-risk-count').textContent());
    assert.equal(probabilities.length, Math.min(highCount, 10));
    assert.ok(probabilities.length > 0, 'someone is at or above the configured threshold');
    await page.getByTestId('level-counts').waitFor();
    await screenshot(page, '11-risk-monitor');

    // Training and scoring ran as jobs; the Jobs page shows what they did.
    await nav(page, 'Jobs').click();
    const rows = page.getByTestId('job-row');
    await rows.filter({ hasText: /customers scored with v1/ }).first().waitFor();
    assert.match(await rows.filter({ hasText: /customers scored with v1/ }).first().textContent(), /succeeded/);
    assert.match(await rows.filter({ hasText: /model v1/ }).first().textContent(), /succeeded/);

    await nav(page, 'Dashboard').click();
    await page.getByTestId('risk-overview').getByText('Risk by level').waitFor();
    await screenshot(page, '12-dashboard-risk');
    await page.close();
  });

  it('shows risk in the customers table, sorts and filters by it, and explains a customer', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Customers').click();
    const table = page.getByRole('table', { name: 'Customers' });
    await table.getByTestId('risk-badge').first().waitFor();
    const riskHeader = page.getByRole('columnheader', { name: 'Risk' });
    await riskHeader.getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="ascending"]') !== null);
    await riskHeader.getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"]') !== null);
    await page.waitForFunction(() => document.querySelector('table[aria-busy="false"]') !== null);
    const badges = await table.getByTestId('risk-badge').allTextContents();
    const probs = badges.map((t) => percent(t.match(/[\d.]+%/)[0]));
    assert.deepEqual(probs, [...probs].sort((a, b) => b - a));
    await screenshot(page, '13-customers-risk');

    // Only the high levels: every badge on the page is high or very high.
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByRole('checkbox', { name: 'High', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Very high', exact: true }).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('filters')?.includes('risk_level'));
    // The URL changes before the new page is fetched, so wait for the rows
    // themselves (the assertions below still check each one).
    await page.waitForFunction(() => {
      const levels = [...document.querySelectorAll('table[aria-busy="false"] [data-testid="risk-badge"]')].map((e) => e.getAttribute('data-level'));
      return levels.length > 0 && levels.every((l) => l === 'high' || l === 'very_high');
    }, null, { timeout: 15000 });
    const levels = await table.getByTestId('risk-badge').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
    for (const l of levels) assert.ok(l === 'high' || l === 'very_high', l);
    await screenshot(page, '13-customers-risk-filter');
    await page.getByRole('checkbox', { name: 'High', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Very high', exact: true }).click();
    // At least 50 %: every probability shown is 50 % or more.
    await page.getByLabel('Minimum churn probability (percent)').fill('50');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('filters')?.includes('"min":"0.5"'));
    await page.waitForFunction(() => {
      const shown = [...document.querySelectorAll('table[aria-busy="false"] [data-testid="risk-badge"]')]
        .map((e) => Number((e.textContent.match(/[\d.]+%/) ?? ['-1%'])[0].replace('%', '')) / 100);
      return shown.length > 0 && shown.every((p) => p >= 0.5 - 0.0005);
    }, null, { timeout: 15000 });
    const atLeast = (await table.getByTestId('risk-badge').allTextContents()).map((t) => percent(t.match(/[\d.]+%/)[0]));
    assert.ok(atLeast.length > 0);
    for (const p of atLeast) assert.ok(p >= 0.5 - 0.0005, String(p));
    await page.getByLabel('Minimum churn probability (percent)').fill('');
    await page.getByRole('button', { name: 'Filters' }).click();

    await table.locator('tbody a').first().click();
    const risk = page.getByTestId('customer-risk');
    await risk.getByTestId('customer-probability').waitFor();
    const reasons = risk.getByTestId('reason');
    await reasons.first().waitFor();
    assert.ok((await reasons.count()) >= 1);
    assert.match(await reasons.first().textContent(), /[+−](<0\.1|\d+\.\d) pts/);
    const chart = risk.getByTestId('risk-history-chart');
    assert.equal(await chart.getAttribute('data-points'), '1');
    await risk.getByRole('button', { name: 'Score now' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="risk-history-chart"]')?.getAttribute('data-points') === '2');
    await screenshot(page, '14-customer-risk');

    // What-if from this customer: a very different age moves the probability.
    await risk.getByRole('link', { name: /what-if predictor/ }).click();
    const probability = page.getByTestId('whatif-probability');
    await page.getByTestId('whatif-source').getByText(/Starting from customer/).waitFor();
    await probability.waitFor();
    const before = await probability.textContent();
    const age = page.getByLabel('Age', { exact: true });
    const current = Number(await age.inputValue());
    await age.fill(String(current > 50 ? 22 : 78));
    await page.getByTestId('whatif-source').getByText(/changed: Age/).waitFor();
    await page.waitForFunction((b) => document.querySelector('[data-testid="whatif-probability"]')?.textContent !== b, before);
    assert.notEqual(await probability.textContent(), before);
    await page.getByRole('list', { name: 'What-if reasons' }).getByTestId('reason').first().waitFor();
    await screenshot(page, '15-what-if');
    await page.close();
  });

  it('compares two versions and promotes or rolls back with confirmation', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Models').click();
    await page.getByRole('table', { name: 'Model versions' }).waitFor();
    const result = await trainFromDialog(page, 'Gradient-boosted trees');
    assert.match(result, /Model v2/);
    const versions = page.getByRole('table', { name: 'Model versions' });
    await page.getByRole('checkbox', { name: 'Show v1' }).click();
    await page.getByRole('checkbox', { name: 'Show v2' }).click();
    await page.getByText(/v1 vs v2|v2 vs v1/).waitFor();
    const heads = await page.getByRole('table', { name: 'Test metrics' }).locator('thead th').allTextContents();
    assert.equal(heads.length, 3);
    await screenshot(page, '16-models-compare');

    // The two training runs side by side.
    const runs = page.getByTestId('training-runs');
    await runs.getByTestId('run-row').nth(1).waitFor();
    await runs.getByRole('checkbox').nth(0).click();
    await runs.getByRole('checkbox').nth(1).click();
    const compare = page.getByRole('table', { name: 'Run comparison' });
    await compare.waitFor();
    assert.deepEqual((await compare.locator('thead th').allTextContents()).slice(1), ['v2', 'v1']);
    const auc = compare.locator('tbody tr').filter({ hasText: 'Test ROC-AUC' }).locator('td');
    assert.equal(await auc.count(), 3);
    for (const cell of (await auc.allTextContents()).slice(1)) assert.ok(Number(cell) > 0.5 && Number(cell) <= 1, `ROC-AUC ${cell}`);
    await compare.scrollIntoViewIfNeeded();
    await screenshot(page, '16-runs-compare');

    // Whichever version is not production gets promoted (or rolled back to).
    const row = versions.locator('tbody tr').filter({ has: page.getByRole('button', { name: /Promote|Roll back/ }) }).first();
    const button = row.getByRole('button', { name: /Promote|Roll back/ });
    const version = (await row.locator('td').nth(1).textContent()).trim();
    await button.click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText(new RegExp(`(Promote|Roll back to) ${version}`)).waitFor();
    await confirm.getByRole('button', { name: /^(Promote|Roll back)$/ }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.waitForFunction(
      (v) =>
        [...document.querySelectorAll('table[aria-label="Model versions"] tbody tr')].some(
          (tr) => tr.children[1]?.textContent.trim() === v && tr.querySelector('[data-testid="stage-badge"]')?.textContent === 'production',
        ),
      version,
    );
    const stages = await versions.getByTestId('stage-badge').allTextContents();
    assert.equal(stages.filter((s) => s === 'production').length, 1);
    await page.close();
  });

  it('offers a viewer risk and models to read but no train, promote or score buttons', async () => {
    const page = await signIn(browser.context, 'viewer');
    await nav(page, 'Models').click();
    await page.getByRole('table', { name: 'Model versions' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Train new model' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Promote|Roll back/ }).count(), 0);
    await nav(page, 'Risk monitor').click();
    await page.getByRole('table', { name: 'Highest risk customers' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Run scoring now' }).count(), 0);
    await nav(page, 'Customers').click();
    await page.getByRole('table', { name: 'Customers' }).getByTestId('risk-badge').first().waitFor();
    await page.getByRole('table', { name: 'Customers' }).locator('tbody a').first().click();
    await page.getByTestId('customer-probability').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Score now' }).count(), 0);
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await nav(page, 'Risk monitor').click();
    await page.getByRole('table', { name: 'Highest risk customers' }).waitFor();
    await screenshot(page, '17-risk-monitor-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('table', { name: 'Highest risk customers' }).waitFor();
    await screenshot(page, '17-risk-monitor-phone-dark');
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.close();
  });

  it('lists a background import on the jobs page with its progress and outcome', async () => {
    // Start the job through the API (the Data page imports in the request).
    const login = await fetch(baseUrl + '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'analyst', password: passwords.analyst }),
    });
    assert.equal(login.status, 200);
    const { access_token: token } = await login.json();
    const started = await fetch(baseUrl + '/api/v1/customers/import?async=true&mode=upsert', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
      body: readFileSync(process.env.E2E_CSV),
    });
    assert.equal(started.status, 202);
    const job = await started.json();

    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Jobs').click();
    const row = page.getByTestId('job-row').filter({ hasText: job.id.slice(0, 12) });
    await row.waitFor();
    // The page refreshes itself while the job is unfinished.
    await row.getByTestId('job-state').getByText('succeeded').waitFor({ timeout: 30_000 });
    assert.equal(await row.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    assert.match(await row.textContent(), /0 created, [\d,]+ updated, 0 skipped/);
    assert.equal(await row.getByRole('button', { name: 'Cancel' }).count(), 0);
    await screenshot(page, '19-jobs');
    await page.close();
  });

  it('renders the API reference from the server’s OpenAPI document', async () => {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(baseUrl + '/api/docs');
    assert.equal(new URL(page.url()).pathname, '/api-docs/');
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/models/train' }).first().waitFor();
    await page.locator('.info .title').first().waitFor();
    await screenshot(page, '18-api-docs');
    assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused/.test(p)), []);
    await page.close();
  });

  it('raised no uncaught page errors', () => {
    assert.deepEqual(browser.errors, []);
  });
});
