// Tell the assistant something, run a knowledge update and watch its steps to success, find the
// extracted person in the explorer, by its search box and in the graph of its page (whose
// nodes open their pages), edit one of its blocks and see the edit after a reload; scan every
// screen with axe.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertAccessible,
  completeReplyTo,
  launch,
  openPage,
  screenshot,
  send,
  signIn,
  signOut,
  stepTimeout,
} from '../lib/harness.mjs';

/** A knowledge update runs model calls and graph writes; give it more than one step. */
const UPDATE_TIMEOUT = Math.max(stepTimeout, 90_000);
/** A step as the update job reports it (`step 2/11 entity extraction`). */
const STEP = /\bstep \d+\/\d+ \S/;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Records, from inside the page, each step the update panel lists while it still says
 * "Updating knowledge base" (a poll from the test could miss a fast update).
 */
async function recordStepsWhileRunning(page) {
  await page.evaluate(() => {
    const seen = [];
    window.__stepsWhileRunning = seen;
    new MutationObserver(() => {
      const panel = document.querySelector('[aria-label="Knowledge update"]');
      if (!panel?.textContent?.includes('Updating knowledge base')) return;
      for (const item of panel.querySelectorAll('ol[aria-label="Knowledge update steps"] li')) {
        const text = item.textContent?.trim() ?? '';
        if (text && !seen.includes(text)) seen.push(text);
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  return () => page.evaluate(() => window.__stepsWhileRunning);
}

test('a knowledge update feeds the explorer, where a block edit survives a reload', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page);
    // Two names in one sentence give the person a neighbour in the graph.
    const fact = `Today I planted ${Date.now() % 1000} apple trees with Marta. Marta works at Greenfield Orchards GmbH.`;
    await send(page, fact);
    await completeReplyTo(page, fact);

    const stepsWhileRunning = await recordStepsWhileRunning(page);
    await page.getByRole('button', { name: 'Update knowledge base' }).click();
    await page
      .getByText('Knowledge base updated successfully.')
      .waitFor({ state: 'visible', timeout: UPDATE_TIMEOUT });
    const running = await stepsWhileRunning();
    assert.ok(
      running.some((step) => STEP.test(step)),
      `no job step was shown while the update ran: ${JSON.stringify(running)}`,
    );
    const steps = await page
      .getByRole('list', { name: 'Knowledge update steps' })
      .getByRole('listitem')
      .allInnerTexts();
    assert.ok(steps.some((step) => STEP.test(step)), `no job step listed: ${JSON.stringify(steps)}`);
    await assertAccessible(page, 'knowledge-update');
    await screenshot(page, 'knowledge-update');
    // The pointer is still on the update button, which keeps the notice open until dismissed.
    await page.getByRole('button', { name: 'Dismiss' }).click();

    await page.getByRole('button', { name: 'Switch to Knowledge Explorer' }).click();
    await page.getByRole('heading', { name: 'Knowledge Explorer' }).waitFor({ state: 'visible' });
    await page.getByRole('list', { name: 'Categories' }).waitFor({ state: 'visible' });
    // The offline pipeline extracts the person the message named.
    await page.getByText('Marta', { exact: true }).first().waitFor({ state: 'visible' });
    await assertAccessible(page, 'knowledge-explorer');
    await screenshot(page, 'knowledge-explorer');

    await page.getByRole('searchbox', { name: 'Search knowledge' }).fill('Marta');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /Search results for .Marta./ }).waitFor();
    assert.ok(page.url().includes('#/knowledge/search?q=Marta'), `not a search URL: ${page.url()}`);
    const found = page
      .getByRole('list', { name: 'Search results' })
      .getByRole('button', { name: /^Marta\b.*Name match/ });
    await found.first().waitFor({ state: 'visible' });
    await assertAccessible(page, 'knowledge-search');
    await screenshot(page, 'knowledge-search');

    await found.first().click();
    await page.getByRole('heading', { name: 'Marta', level: 2 }).waitFor({ state: 'visible' });
    const pageUrl = page.url();
    const graph = page.getByRole('group', { name: 'Page neighbourhood graph' });
    await graph.waitFor({ state: 'visible' });
    const self = graph.getByRole('button', { name: 'Marta', exact: true });
    assert.equal(await self.getAttribute('aria-current'), 'page', 'the graph does not mark the page itself');
    const neighbours = graph.locator('button:not([aria-current])');
    assert.ok((await neighbours.count()) >= 1, 'the graph shows no neighbour');
    await assertAccessible(page, 'knowledge-page');
    await graph.scrollIntoViewIfNeeded();
    await screenshot(page, 'knowledge-page');

    const neighbour = (await neighbours.first().innerText()).trim();
    await neighbours.first().click();
    await page.getByRole('heading', { name: neighbour, level: 2 }).waitFor({ state: 'visible' });
    assert.notEqual(page.url(), pageUrl, 'the neighbour did not open its own page');
    await page.goBack();
    await page.getByRole('heading', { name: 'Marta', level: 2 }).waitFor({ state: 'visible' });

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
