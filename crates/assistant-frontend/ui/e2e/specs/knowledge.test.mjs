// Tell the assistant something, run a knowledge update and watch its steps to success, then
// open the knowledge explorer; scan both screens with axe.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertAccessible,
  composer,
  launch,
  openPage,
  screenshot,
  signIn,
  signOut,
  stepTimeout,
} from '../lib/harness.mjs';

/** A knowledge update runs model calls and graph writes; give it more than one step. */
const UPDATE_TIMEOUT = Math.max(stepTimeout, 90_000);

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a knowledge update shows its steps and the explorer opens', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page);
    const fact = `Today I planted ${Date.now() % 1000} apple trees in the orchard with Marta.`;
    await composer(page).fill(fact);
    await page.getByRole('button', { name: /send message/i }).click();
    await page.getByText(/Offline mode: no language model is configured/).last().waitFor();

    const update = page.getByRole('button', { name: /update knowledge base/i });
    await page.waitForFunction(
      () => !document.querySelector('button[aria-label="Update knowledge base"]')?.disabled,
    );
    await update.click();
    await page
      .getByText('Knowledge base updated successfully.')
      .waitFor({ state: 'visible', timeout: UPDATE_TIMEOUT });
    const steps = await page
      .getByRole('list', { name: /knowledge update steps/i })
      .getByRole('listitem')
      .count();
    assert.ok(steps > 0, 'the update showed no steps');
    await assertAccessible(page, 'knowledge-update');
    await screenshot(page, 'knowledge-update');

    await page.getByRole('button', { name: /switch to knowledge explorer/i }).click();
    await page.getByRole('heading', { name: 'Knowledge Explorer' }).waitFor({ state: 'visible' });
    await page.getByRole('list', { name: 'Categories' }).waitFor({ state: 'visible' });
    // The offline pipeline extracts the person the message named.
    await page.getByText('Marta', { exact: true }).first().waitFor({ state: 'visible' });
    await assertAccessible(page, 'knowledge-explorer');
    await screenshot(page, 'knowledge-explorer');

    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
