// Tell the assistant something, run a knowledge update and watch its steps to success, open
// the knowledge explorer, find the extracted person, its page and graph, edit one of its
// blocks and see the edit after a reload; scan every screen with axe.
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

test('a knowledge update feeds the explorer, where a block edit survives a reload', async () => {
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

    await page.getByRole('button', { name: /^Marta\b/ }).first().click();
    await page.getByRole('heading', { name: 'Marta', level: 2 }).waitFor({ state: 'visible' });
    await page.getByRole('group', { name: /page neighbourhood graph/i }).waitFor();
    await assertAccessible(page, 'knowledge-page');
    await screenshot(page, 'knowledge-page');

    const edited = `Marta knows every apple tree by name (edited ${Date.now()}).`;
    await page.getByRole('button', { name: 'Edit block' }).first().click();
    await page.getByLabel('Markdown editor').fill(edited);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Block content saved successfully.').waitFor({ state: 'visible' });
    await page.reload();
    await page.getByText(edited).waitFor({ state: 'visible' });

    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
