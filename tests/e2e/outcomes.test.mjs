// End-to-end: the customer lifecycle. Scored active customers are marked
// churned through the API (some of the highest risk, some of the lowest);
// then a departed customer's page shows the Departed badge, the prediction of
// record and no "Score now"; the customer list filters by status; the risk
// monitor and dashboard count active customers and list no departed one as
// high risk; and the risk monitor's outcomes section reports the departures
// with a weekly chart. Marking customers departed changes what later
// scenarios would see, so this file sorts after the others (ml, monitoring).
// Run alone it sets up what it needs (import, train, score) itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { baseUrl, launch, passwords, screenshot, signIn } from './browser.mjs';

let browser;
let token;
/** Ids marked departed by this scenario: the highest-risk ones first. */
const departedHigh = [];
const departedLow = [];
/** Each departed customer's probability just before departure. */
const lastScore = new Map();
let threshold;

function nav(page, name) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

async function call(method, path, body, contentType = 'application/json') {
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': contentType } : {}),
    },
    body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: response.status, json, text };
}

async function ok(method, path, body, contentType) {
  const r = await call(method, path, body, contentType);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} answered ${r.status}: ${r.text}`);
  return r.json;
}

/** Starts a job (202) and waits until it ends; returns the finished job. */
async function runJob(method, path, body) {
  const job = await ok(method, path, body);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const j = await ok('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}`);
    if (j.state !== 'queued' && j.state !== 'running') {
      assert.equal(j.state, 'succeeded', `${path} job ended ${j.state}: ${j.error ?? ''}`);
      return j;
    }
    if (Date.now() > deadline) throw new Error(`${path} job did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const percent = (text) => Number(text.match(/[\d.]+%/)[0].replace('%', '')) / 100;
const count = (text) => Number(text.replace(/,/g, ''));

before(async () => {
  browser = await launch();
  browser.context.setDefaultTimeout(20_000);
  const login = await fetch(baseUrl + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'analyst', password: passwords.analyst }),
  });
  assert.equal(login.status, 200);
  token = (await login.json()).access_token;

  // Customers, a production model and current scores, whatever ran before.
  if ((await call('GET', '/api/v1/schema')).status === 404) {
    await ok('POST', '/api/v1/customers/import?mode=upsert', readFileSync(process.env.E2E_CSV), 'text/csv');
  }
  const models = (await ok('GET', '/api/v1/models')).items ?? [];
  if (!models.some((m) => m.stage === 'production')) {
    await runJob('POST', '/api/v1/models/train', { algorithm: 'logistic', search_budget: 1 });
  }
  await runJob('POST', '/api/v1/scoring/run');

  const schema = await ok('GET', '/api/v1/schema');
  const label = schema.attributes.find((a) => a.role === 'label');
  assert.ok(label, 'the demo table has a label attribute');
  const churned = label.type === 'boolean' ? true : 1;
  threshold = (await ok('GET', '/api/v1/risk/summary?limit=1')).high_risk_threshold;

  const highest = (await ok('GET', '/api/v1/customers?status=active&sort=-risk&limit=3')).items;
  const lowest = (await ok('GET', '/api/v1/customers?status=active&sort=risk&limit=2')).items;
  for (const c of [...highest, ...lowest]) {
    assert.equal(c.status, 'active', `customer ${c.id} listed as active`);
    assert.ok(c.risk && typeof c.risk.probability === 'number', `customer ${c.id} has a score`);
  }
  for (const c of highest) assert.ok(c.risk.probability >= threshold, `${c.id}: ${c.risk.probability} >= ${threshold}`);
  for (const c of lowest) assert.ok(c.risk.probability < threshold, `${c.id}: ${c.risk.probability} < ${threshold}`);

  // They leave: the label turns to churned.
  for (const c of [...highest, ...lowest]) {
    lastScore.set(c.id, c.risk.probability);
    await ok('PATCH', `/api/v1/customers/${encodeURIComponent(c.id)}`, { attributes: { [label.name]: churned } });
  }
  departedHigh.push(...highest.map((c) => c.id));
  departedLow.push(...lowest.map((c) => c.id));
});

after(async () => {
  await browser?.close();
});

describe('customer lifecycle in the web UI', () => {
  it('keeps a departed customer’s last score as the prediction of record and refuses to rescore it', async () => {
    for (const id of [...departedHigh, ...departedLow]) {
      const c = await ok('GET', `/api/v1/customers/${encodeURIComponent(id)}`);
      assert.equal(c.status, 'departed', `customer ${id}`);
      assert.ok(c.departed_at && !Number.isNaN(Date.parse(c.departed_at)), `departed_at of ${id}: ${c.departed_at}`);
      assert.ok(Math.abs(c.risk?.probability - lastScore.get(id)) < 1e-9, `prediction of record of ${id}`);
    }
    const refused = await call('POST', '/api/v1/predict', { customer_id: departedHigh[0] });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.json?.detail ?? '', /departed/);
  });

  it('shows the Departed badge and no re-score button on a departed customer’s page', async () => {
    const page = await signIn(browser.context, 'analyst');
    // An active customer's page offers "Score now" to this analyst …
    const active = (await ok('GET', '/api/v1/customers?status=active&sort=-risk&limit=1')).items[0];
    await page.goto(`${baseUrl}/customers/${encodeURIComponent(active.id)}`);
    const risk = page.getByTestId('customer-risk');
    await risk.getByRole('button', { name: 'Score now' }).waitFor();
    assert.equal(await page.getByTestId('status-badge').textContent(), 'Active');

    // … a departed one does not, and says why.
    const id = departedHigh[0];
    await page.goto(`${baseUrl}/customers/${encodeURIComponent(id)}`);
    const badge = page.getByTestId('status-badge');
    await badge.getByText(/^Departed on [A-Z][a-z]{2} \d{1,2}, \d{4}$/).waitFor();
    await risk.getByText('Prediction of record').waitFor();
    await risk.getByText(/^Last score before departure/).waitFor();
    assert.equal(percent(await risk.getByTestId('customer-probability').textContent()).toFixed(3), (Math.round(lastScore.get(id) * 1000) / 1000).toFixed(3));
    assert.match(await risk.getByTestId('rescore-blocked').textContent(), /^Not rescored: a departed customer keeps the last score/);
    assert.equal(await page.getByRole('button', { name: 'Score now' }).count(), 0);
    await screenshot(page, '30-departed-customer');
    await page.close();
  });

  it('filters the customer list by status', async () => {
    const page = await signIn(browser.context, 'viewer');
    await nav(page, 'Customers').click();
    const table = page.getByRole('table', { name: 'Customers' });
    await table.getByTestId('status-badge').first().waitFor();
    const statusFilter = page.getByRole('group', { name: 'Status' });
    assert.equal(await statusFilter.getByRole('button', { name: 'All' }).getAttribute('aria-pressed'), 'true');

    await statusFilter.getByRole('button', { name: 'Departed' }).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('status') === 'departed');
    await page.waitForFunction(() => {
      const s = [...document.querySelectorAll('table[aria-busy="false"] [data-testid="status-badge"]')].map((e) => e.getAttribute('data-status'));
      return s.length > 0 && s.every((x) => x === 'departed');
    });
    for (const t of await table.getByTestId('status-badge').allTextContents()) assert.equal(t, 'Departed');
    // Our highest-risk departure is among them, with its prediction of record.
    await page.getByLabel('Search customers by id or name').fill(departedHigh[0]);
    const row = table.locator('tbody tr').filter({ has: page.getByRole('link', { name: departedHigh[0], exact: true }) });
    await row.waitFor();
    assert.equal(await row.getByTestId('status-badge').textContent(), 'Departed');
    await row.getByTestId('risk-badge').waitFor();
    await screenshot(page, '31-customers-departed');
    await page.getByLabel('Search customers by id or name').fill('');

    await statusFilter.getByRole('button', { name: 'Active' }).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('status') === 'active');
    await page.waitForFunction(() => {
      const s = [...document.querySelectorAll('table[aria-busy="false"] [data-testid="status-badge"]')].map((e) => e.getAttribute('data-status'));
      return s.length > 0 && s.every((x) => x === 'active');
    });
    const summary = await ok('GET', '/api/v1/risk/summary?limit=1');
    await page.getByText(`${summary.active_customers.toLocaleString('en-US')} active customers`).waitFor();
    await page.close();
  });

  it('counts active customers on the risk monitor and lists no departed customer as high risk', async () => {
    const summary = await ok('GET', '/api/v1/risk/summary?limit=10');
    assert.equal(summary.population, 'active');
    assert.ok(summary.departed_customers >= departedHigh.length + departedLow.length, JSON.stringify(summary.departed_customers));
    for (const r of summary.high_risk) assert.ok(!departedHigh.includes(r.customer_id), `${r.customer_id} is departed but in high_risk`);

    const page = await signIn(browser.context, 'viewer');
    await nav(page, 'Risk monitor').click();
    const population = page.getByTestId('risk-population');
    await population.waitFor();
    const [, active, departed] = (await population.textContent()).match(/Active customers: ([\d,]+) · departed: ([\d,]+)/);
    assert.equal(count(active), summary.active_customers);
    assert.equal(count(departed), summary.departed_customers);
    await page.getByText(/^At risk among active customers \(at or above [\d.]+%\)$/).waitFor();
    await page.getByText('Highest risk among active customers').waitFor();

    const high = page.getByRole('table', { name: 'Highest risk customers' });
    await high.getByTestId('risk-badge').first().waitFor();
    const listed = await high.locator('tbody a').allTextContents();
    assert.ok(listed.length > 0, 'someone active is still at high risk');
    for (const id of listed) {
      assert.ok(!departedHigh.includes(id), `departed customer ${id} listed as high risk`);
      assert.equal((await ok('GET', `/api/v1/customers/${encodeURIComponent(id)}`)).status, 'active', `listed customer ${id}`);
    }
    // The high-risk count is of active customers: it matches the list's own count.
    const highCount = count(await page.getByTestId('high-risk-count').textContent());
    const activeHigh = (await ok('GET', `/api/v1/customers?limit=1&status=active&risk%5Bgte%5D=${threshold}`)).total;
    assert.equal(highCount, activeHigh);

    await nav(page, 'Dashboard').click();
    const dashboard = page.getByTestId('dashboard-population');
    await dashboard.waitFor();
    assert.match(await dashboard.textContent(), new RegExp(`Active customers: ${summary.active_customers.toLocaleString('en-US')} · departed: ${summary.departed_customers.toLocaleString('en-US')}`));
    await page.getByRole('heading', { name: 'Churn risk among active customers' }).waitFor();
    await page.close();
  });

  it('reports the departures in the outcomes section with a weekly chart', async () => {
    const api = await ok('GET', `/api/v1/risk/outcomes?since=${encodeURIComponent(new Date(Date.now() - 90 * 86_400_000).toISOString())}`);
    assert.ok(api.departed >= departedHigh.length + departedLow.length, `departed ${api.departed}`);
    assert.ok(api.flagged_departed >= departedHigh.length, `flagged_departed ${api.flagged_departed}`);
    assert.ok(api.active_compared > 0, `active_compared ${api.active_compared}`);

    const page = await signIn(browser.context, 'viewer');
    await nav(page, 'Risk monitor').click();
    const outcomes = page.getByTestId('outcomes');
    await outcomes.scrollIntoViewIfNeeded();
    const windowChoice = outcomes.getByRole('group', { name: 'Outcome window' });
    assert.equal(await windowChoice.getByRole('button', { name: '90 days' }).getAttribute('aria-pressed'), 'true');
    const sentence = outcomes.getByTestId('outcome-sentence');
    await sentence.waitFor();
    const [, left, flagged] = (await sentence.textContent()).match(/^Of the ([\d,]+) customers who left in the last 90 days, (?:all )?([\d,]+) (?:was|were) flagged/);
    assert.equal(count(left), api.departed);
    assert.equal(count(flagged), api.flagged_departed);
    assert.equal(count(await outcomes.getByTestId('outcome-departed').textContent()), api.departed);
    assert.equal(count(await outcomes.getByTestId('outcome-flagged-before-leaving').textContent()), api.flagged_departed);
    assert.match(await outcomes.getByTestId('outcome-recall').textContent(), /^\d+(\.\d)?%$/);
    assert.match(await outcomes.getByTestId('outcome-roc-auc').textContent(), /^(0\.\d{3}|1\.000)$/);
    const chart = outcomes.getByTestId('outcomes-chart');
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    assert.ok(Number(await chart.getAttribute('data-weeks')) >= 1);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, '32-risk-outcomes');

    await windowChoice.getByRole('button', { name: '30 days' }).click();
    await outcomes.getByText(/who left in the last 30 days/).waitFor();
    assert.equal(await windowChoice.getByRole('button', { name: '30 days' }).getAttribute('aria-pressed'), 'true');
    await page.close();
  });

  it('raised no uncaught page errors', () => {
    assert.deepEqual(browser.errors, []);
  });
});
