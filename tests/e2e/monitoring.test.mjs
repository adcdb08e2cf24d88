// End-to-end: alert rules and monitoring. An analyst creates a rule that posts
// to the local Discord stand-in, sends a test message, runs monitoring and
// sees the alerts delivered; the stand-in checks every message against
// Discord's limits. A viewer reads rules and events but is offered no
// changes. Runs after ml.test.mjs (name order), which leaves a production
// model and scored customers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot, signIn } from './browser.mjs';
import { startDiscordStandin } from './discord_standin.mjs';

let browser;
let discord;

before(async () => {
  browser = await launch();
  browser.context.setDefaultTimeout(20_000);
  discord = await startDiscordStandin();
});
after(async () => {
  await browser?.close();
  await discord?.close();
});

function nav(page, name) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

async function until(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('alerts in the web UI', () => {
  it('creates a rule with a masked webhook, sends a test message, runs monitoring and sees the alerts delivered', async () => {
    const page = await signIn(browser.context, 'analyst');
    await nav(page, 'Alerts').click();
    await page.getByText('No alert rules yet').waitFor();

    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.getByText('a name is required').waitFor();
    await dialog.getByLabel('Name').fill('High risk');
    await dialog.getByLabel('Probability threshold (0–1)').fill('0.4');
    await dialog.getByLabel('Discord webhook URL').fill(discord.url());
    await dialog.getByLabel('Cooldown per customer (hours)').fill('0');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = page.getByTestId('rule-row').filter({ hasText: 'High risk' });
    await row.waitFor();
    assert.match(await row.textContent(), /probability ≥ 40%/);
    assert.ok(!(await page.content()).includes('standin-token-abcdefgh'), 'the webhook token is never shown');

    await row.getByRole('button', { name: 'Send a test message for High risk' }).click();
    await page.getByText('Test message sent for High risk').waitFor();
    await until('the test message', () => discord.messages.length >= 1);

    const before = discord.messages.length;
    await page.getByRole('button', { name: 'Run monitoring now' }).click();
    const outcome = page.getByTestId('monitor-outcome');
    await outcome.waitFor({ timeout: 90_000 });
    const queued = Number((await outcome.textContent()).match(/([\d,]+) alerts? queued/)[1].replace(/,/g, ''));
    assert.ok(queued > 0, `monitoring queued alerts: ${await outcome.textContent()}`);

    // The dispatcher batches the customers into messages; each one reaches
    // the stand-in within Discord's limits and the event log says delivered.
    await until('the alert messages', () => discord.messages.length > before);
    // The event log refreshes itself while deliveries are waiting.
    await until('every event delivered', async () => {
      const states = await page.getByTestId('event-state').allTextContents();
      return states.length > 1 && states.every((x) => x === 'delivered');
    });
    assert.deepEqual(discord.refused, [], 'no message broke a Discord limit');
    const embeds = discord.messages.slice(before).flatMap((m) => m.body.embeds ?? []);
    assert.ok(embeds.length > 0, 'alerts arrive as embeds');
    assert.match(JSON.stringify(embeds), /%/, 'the embeds show probabilities');

    // The counts refresh on their own (every 10 s).
    await until('delivered alerts counted', async () => Number(await page.getByTestId('alert-stats').locator('dd').nth(1).textContent()) > 1, 30_000);
    await screenshot(page, '12-alerts');
    await page.close();
  });

  it('shows a viewer the rules and events but no way to change them', async () => {
    const page = await signIn(browser.context, 'viewer');
    await nav(page, 'Alerts').click();
    await page.getByTestId('rule-row').first().waitFor();
    await page.getByTestId('event-row').first().waitFor();
    for (const name of ['New rule', 'Run monitoring now', /Send a test message/, /^Edit /, /^Delete /]) {
      assert.equal(await page.getByRole('button', { name }).count(), 0, `viewer sees no ${name} button`);
    }
    assert.equal(await page.getByRole('switch').count(), 0, 'viewer cannot switch rules on or off');
    await page.close();
  });

  it('raised no uncaught page errors', () => {
    assert.deepEqual(browser.errors, []);
  });
});
