// End-to-end scenarios through the real UI and server. They run in order and
// share one server: the import scenario loads the customers the later ones use.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseUrl, launch, screenshot, signIn } from './browser.mjs';

const csvPath = process.env.E2E_CSV;
const csvRows = readFileSync(csvPath, 'utf8').trim().split('\n').length - 1;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Starts recording what the import's job progress panel shows (it may be on
 * screen only briefly for a small file): its status texts and bar values.
 */
async function watchJobProgress(page) {
  await page.evaluate(() => {
    const seen = { texts: [], values: [] };
    window.__jobProgress = seen;
    const look = () => {
      const panel = document.querySelector('[data-testid="job-progress"]');
      if (!panel) return;
      const text = panel.querySelector('[role="status"]')?.textContent ?? '';
      if (text && seen.texts[seen.texts.length - 1] !== text) seen.texts.push(text);
      const value = Number(panel.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow'));
      if (seen.values[seen.values.length - 1] !== value) seen.values.push(value);
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

/** A link in the main navigation. */
function nav(page, name) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
}

/** Reads "a–b of N" under the customers table. */
async function tableTotal(page) {
  const text = await page.getByText(/^\d[\d,]*–\d[\d,]* of \d[\d,]*$/).textContent();
  return Number(text.split(' of ')[1].replace(/,/g, ''));
}

async function columnValues(page, name) {
  const headers = await page.locator('table[aria-label="Customers"] thead th').allTextContents();
  const index = headers.findIndex((h) => h.trim() === name);
  assert.ok(index >= 0, `column ${name} in ${headers}`);
  return page.locator(`table[aria-label="Customers"] tbody tr td:nth-child(${index + 1})`).allTextContents();
}

describe('churnwatch web UI', () => {
  it('rejects a wrong password, then signs the admin in and shows the user and role', async () => {
    const page = await browser.context.newPage();
    await page.goto(baseUrl + '/');
    await screenshot(page, '01-login');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(process.env.E2E_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await page.getByTestId('current-user').textContent(), 'admin');
    assert.equal(await page.getByTestId('current-role').textContent(), 'admin');
    await page.getByText('No customers yet').waitFor();
    // The access token lives in memory only; a reload renews it from the
    // HttpOnly session cookie, so the user stays signed in.
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly');
    await page.reload();
    assert.equal(await page.getByTestId('current-user').textContent(), 'admin');
    // Signing out ends the session on the server: a reload shows the login page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.close();
  });

  it('imports a CSV through the Data page, and reports a bad file line by line', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Data').click();
    await page.setInputFiles('#import-file', csvPath);
    await page.getByRole('table', { name: 'Proposed schema' }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Role of Exited' }).textContent(), 'label');
    // The import runs as a background job: its progress panel shows while it
    // runs, then the result replaces it.
    await watchJobProgress(page);
    await page.getByRole('button', { name: /^Import / }).click();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    assert.match(await result.textContent(), new RegExp(`${csvRows} created, 0 updated`));
    const progress = await page.evaluate(() => window.__jobProgress);
    assert.ok(progress.texts.length > 0, 'the job progress panel was shown');
    assert.ok(progress.texts.every((t) => t.startsWith('Importing')), progress.texts.join(' | '));
    assert.ok(progress.values.every((v) => v >= 0 && v <= 100), progress.values.join(','));
    assert.equal(await page.getByTestId('job-progress').count(), 0, 'the panel goes once the job is done');
    await page.getByText(/Version 1 · 14 attributes/).waitFor();
    await screenshot(page, '05-data');
    // The Jobs page lists the finished import with what it did.
    await nav(page, 'Jobs').click();
    await page.getByRole('table', { name: 'Jobs' }).getByText(new RegExp(`^${csvRows} created, 0 updated`)).waitFor();
    await nav(page, 'Data').click();

    // A file with the stored columns but a word in Age and an unknown
    // Geography: the preview starts from the stored schema (Age an integer),
    // the import job fails without changing anything and the report names
    // line, column and field of each error.
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const ageAt = header.indexOf('Age');
    const geoAt = header.indexOf('Geography');
    const bad = lines.slice(1, 4).map((l) => l.split(','));
    bad[1][ageAt] = 'old';
    bad[2][geoAt] = 'Atlantis';
    const badPath = join(process.env.E2E_TMP, 'bad.csv');
    writeFileSync(badPath, [header, ...bad].map((r) => r.join(',')).join('\n') + '\n');
    await page.setInputFiles('#import-file', badPath);
    await page.getByTestId('schema-source').getByText(/starts from version 1/).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Type of Age' }).textContent(), 'integer');
    assert.equal(await page.getByRole('combobox', { name: 'Type of Geography' }).textContent(), 'category');
    await page.getByRole('combobox', { name: 'Mode' }).click();
    await page.getByRole('option', { name: 'Upsert' }).click();
    await page.getByRole('button', { name: /^Import / }).click();
    const report = page.getByRole('table', { name: 'Validation errors' });
    await report.waitFor();
    await page.getByText('Import failed: 2 errors in bad.csv. Nothing was imported.').waitFor();
    const rows = report.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    const cells = await rows.nth(0).locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 3), ['3', String(ageAt + 1), 'Age']);
    assert.match(cells[3], /old/);
    const geoCells = await rows.nth(1).locator('td').allTextContents();
    assert.deepEqual(geoCells.slice(0, 3), ['4', String(geoAt + 1), 'Geography']);
    assert.match(geoCells[3], /Atlantis/);
    await page.getByText(/Version 1 · 14 attributes/).waitFor();
    await screenshot(page, '05-data-validation-report');
    await page.close();
  });

  it('lists, sorts, filters, exports and opens customers', async () => {
    const page = await signIn(browser.context, 'analyst');
    await page.getByText(/Churn rate by/).first().waitFor();
    await page.getByTestId('group-figures').locator('dd').first().waitFor();
    await screenshot(page, '02-dashboard');

    await nav(page, 'Customers').click();
    await page.getByText(new RegExp(`^1–25 of ${csvRows}$`)).waitFor();
    assert.equal(await tableTotal(page), csvRows);

    const ageHeader = page.getByRole('columnheader', { name: 'Age' });
    await ageHeader.getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="ascending"]') !== null);
    await page.waitForFunction(() => document.querySelector('table[aria-busy="false"]') !== null);
    let ages = (await columnValues(page, 'Age')).map(Number);
    assert.deepEqual(ages, [...ages].sort((a, b) => a - b));
    await ageHeader.getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('th[aria-sort="descending"]') !== null);
    await page.waitForFunction(() => document.querySelector('table[aria-busy="false"]') !== null);
    ages = (await columnValues(page, 'Age')).map(Number);
    assert.deepEqual(ages, [...ages].sort((a, b) => b - a));
    assert.ok(ages[0] > ages[ages.length - 1]);

    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByRole('combobox', { name: 'Add filter' }).click();
    await page.getByRole('option', { name: 'Geography' }).click();
    await page.getByLabel('Germany').click();
    await page.getByText(/customers match$/).waitFor();
    await page.waitForFunction(() => document.querySelector('table[aria-busy="false"]') !== null);
    const germans = await tableTotal(page);
    assert.ok(germans > 0 && germans < csvRows, `filtered total ${germans}`);
    assert.deepEqual([...new Set(await columnValues(page, 'Geography'))], ['Germany']);
    await screenshot(page, '03-customers');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const exported = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(exported.length - 1, germans, 'the export follows the filters');
    assert.match(exported[0], /CustomerId/);

    const firstLink = page.locator('table[aria-label="Customers"] tbody tr td a').first();
    const id = await firstLink.textContent();
    await firstLink.click();
    await page.waitForURL(`**/customers/${id}`);
    await page.getByRole('heading', { name: 'Features' }).waitFor();
    await page.getByText(`Customer ${id}`).waitFor();
    await screenshot(page, '04-customer-detail');

    // Back to the list: the filter and sort are kept in the address.
    await page.goBack();
    await page.locator('table[aria-label="Customers"] tbody tr').first().waitFor();
    await page.waitForFunction(() => document.querySelector('table[aria-busy="false"]') !== null);
    assert.equal(await tableTotal(page), germans);
    assert.equal(await page.locator('th[aria-sort="descending"]').textContent(), 'Age');
    await page.close();
  });

  it('creates a customer through the dialog, shows a field error, then edits it', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Customers').click();
    await page.getByRole('button', { name: 'Add customer' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('CustomerId').fill('99000001');
    await dialog.getByLabel('Surname').fill('Testerson');
    await dialog.getByLabel('CreditScore').fill('700');
    await dialog.getByRole('combobox', { name: 'Geography' }).click();
    await page.getByRole('option', { name: 'Spain' }).click();
    await dialog.getByRole('combobox', { name: 'Gender' }).click();
    await page.getByRole('option', { name: 'Female' }).click();
    await dialog.getByLabel('Age').fill('forty');
    await dialog.getByLabel('Tenure').fill('3');
    await dialog.getByLabel('Balance').fill('1200.50');
    await dialog.getByLabel('NumOfProducts').fill('2');
    await dialog.getByRole('switch', { name: 'IsActiveMember' }).click();
    await dialog.getByLabel('EstimatedSalary').fill('50000');
    await dialog.getByRole('button', { name: 'Create customer' }).click();

    const ageInput = dialog.getByLabel('Age');
    await page.waitForFunction(() => document.querySelector('#field-Age[aria-invalid="true"]') !== null);
    const describedBy = await ageInput.getAttribute('aria-describedby');
    assert.match(await page.locator(`#${describedBy}`).textContent(), /whole number/);
    await screenshot(page, '03-customer-dialog-error');

    await ageInput.fill('40');
    await dialog.getByRole('button', { name: 'Create customer' }).click();
    await page.waitForURL('**/customers/99000001');
    await page.getByRole('heading', { name: /Testerson/ }).waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog');
    assert.equal(await edit.getByLabel('CustomerId').isDisabled(), true);
    assert.equal(await edit.getByLabel('Age').inputValue(), '40');
    await edit.getByLabel('Age').fill('41');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    const age = page.locator('dt', { hasText: /^Age$/ }).locator('xpath=following-sibling::dd');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('dt')].some((dt) => dt.textContent === 'Age' && dt.nextElementSibling?.textContent === '41'),
    );
    assert.equal(await age.textContent(), '41');

    // Find it by search, select it and delete it in bulk.
    await nav(page, 'Customers').click();
    await page.getByLabel('Search customers by id or name').fill('Testerson');
    await page.getByText(/^1–1 of 1$/).waitFor();
    await page.getByRole('checkbox', { name: 'Select customer 99000001' }).click();
    await page.getByRole('button', { name: 'Delete 1 selected' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('status').getByText('Deleted 1 customers').waitFor();
    await page.getByText('No customers match.').waitFor();
    await page.close();
  });

  it('offers a viewer no write actions anywhere', async () => {
    const page = await signIn(browser.context, 'viewer');
    assert.equal(await page.getByTestId('current-role').textContent(), 'viewer');
    assert.equal(await nav(page, 'Users').count(), 0);
    await nav(page, 'Customers').click();
    await page.locator('table[aria-label="Customers"] tbody tr').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Add customer' }).count(), 0);
    assert.equal(await page.getByRole('checkbox').count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Edit customer/ }).count(), 0);
    await page.locator('table[aria-label="Customers"] tbody tr td a').first().click();
    await page.getByRole('heading', { name: 'Features' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
    await nav(page, 'Data').click();
    await page.getByRole('heading', { name: 'Current schema' }).waitFor();
    assert.equal(await page.getByLabel('CSV file').count(), 0);
    // Navigating to the admin-only page inside the app lands on the dashboard.
    await page.evaluate(() => {
      history.pushState({}, '', '/users');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await page.close();
  });

  it('lets the admin create a user, who signs in with that role until deactivated', async () => {
    const page = await signIn(browser.context, 'admin');
    await nav(page, 'Users').click();
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Username').fill('dana');
    await dialog.getByLabel('Password').fill('short');
    await dialog.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'analyst' }).click();
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.getByRole('alert').waitFor();
    await dialog.getByLabel('Password').fill('dana-password-1');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /dana/ });
    await row.waitFor();
    assert.equal(await row.getByRole('combobox').textContent(), 'analyst');
    await screenshot(page, '06-users');

    process.env.E2E_PASSWORD_dana = 'dana-password-1';
    const dana = await signIn(browser.context, 'dana');
    assert.equal(await dana.getByTestId('current-role').textContent(), 'analyst');
    assert.equal(await nav(dana, 'Users').count(), 0);
    // Let her dashboard finish loading, so the 401 comes from her next click.
    await dana.waitForLoadState('networkidle');

    // Deactivating her ends her session: her next request gets 401 and her
    // tab returns to the login page with a notice.
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByText('Deactivated').waitFor();
    await nav(dana, 'Customers').click();
    await dana.getByRole('alert').getByText(/session has ended/).waitFor();
    await dana.getByRole('button', { name: 'Sign in' }).waitFor();
    await dana.close();

    // The audit log shows the user changes, filtered by action prefix.
    await nav(page, 'Audit log').click();
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    await page.getByLabel('Action').fill('users.');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('audit-row').filter({ hasText: 'users.post' }).first().waitFor();
    const actions = await page.locator('[data-testid="audit-row"] td:nth-child(3)').allTextContents();
    assert.ok(actions.length > 0 && actions.every((a) => a.startsWith('users.')), `only user changes: ${actions}`);
    await screenshot(page, '06-audit');
    await page.close();
  });

  it('renders in the dark theme and on a phone', async () => {
    const page = await signIn(browser.context, 'admin');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
    await page.getByTestId('group-figures').locator('dd').first().waitFor();
    await screenshot(page, '07-dashboard-dark');
    await nav(page, 'Customers').click();
    await page.locator('table[aria-label="Customers"] tbody tr').first().waitFor();
    await screenshot(page, '07-customers-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('dialog', { name: 'Navigation' }).getByRole('link', { name: 'Data' }).waitFor();
    await page.screenshot({ path: join(process.env.E2E_SCREENSHOTS, '08-phone-navigation.png') });
    await page.getByRole('dialog', { name: 'Navigation' }).getByRole('link', { name: 'Data' }).click();
    await page.getByRole('heading', { name: 'Current schema' }).waitFor();
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    assert.equal(await nav(page, 'Dashboard').count(), 0, 'the sidebar is hidden on a phone');
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('dialog', { name: 'Navigation' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByTestId('group-figures').locator('dd').first().waitFor();
    await screenshot(page, '08-phone-dashboard');
    await page.close();
  });

  it('raised no uncaught page errors', () => {
    assert.deepEqual(browser.errors, []);
  });
});
