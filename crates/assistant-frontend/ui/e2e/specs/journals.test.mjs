// Switch journals: yesterday's journal (written straight into the assistant database, since
// the UI only ever writes today's) opens from the journal sidebar read-only, with its messages
// and the composer disabled; switching back to today makes the composer usable again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { appendExchange, dayBefore } from '../lib/assistantDb.mjs';
import {
  assertAccessible,
  composer,
  composerEnabled,
  launch,
  openPage,
  screenshot,
  seededUser,
  shownJournal,
  signIn,
  signOut,
} from '../lib/harness.mjs';

const PAST_JOURNAL = 'You can not chat with past journals.';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Opens the journal sidebar and picks the journal whose entry starts with `label`. */
async function pickJournal(page, label) {
  await page.getByRole('button', { name: 'Open journals' }).click();
  const sidebar = page.getByRole('complementary', { name: 'Journal sidebar' });
  await sidebar.waitFor({ state: 'visible' });
  await sidebar.getByRole('button', { name: label }).click();
  await sidebar.waitFor({ state: 'hidden' });
}

test('a past journal opens read-only from the sidebar, and today is writable again', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page);
    const today = await shownJournal(page);
    const yesterday = dayBefore(today);
    const stamp = Date.now();
    const question = `Yesterday's question ${stamp}: where did I leave the ladder?`;
    const answer = `Yesterday's answer ${stamp}: by the old pear tree.`;
    appendExchange({ email: seededUser.email, reference: yesterday, question, answer });
    // The journal list is read when the app starts.
    await page.reload();
    await composerEnabled(page);

    await page.getByRole('button', { name: 'Open journals' }).click();
    const sidebar = page.getByRole('complementary', { name: 'Journal sidebar' });
    await sidebar.getByRole('button', { name: `Today · ${today}` }).waitFor({ state: 'visible' });
    await sidebar.getByRole('button', { name: new RegExp(`^${yesterday} \\d+ messages?$`) }).waitFor();
    await assertAccessible(page, 'journal-sidebar');
    await screenshot(page, 'journal-sidebar');
    await page.keyboard.press('Escape');
    await sidebar.waitFor({ state: 'hidden' });

    await pickJournal(page, new RegExp(`^${yesterday}`));
    await page.getByRole('heading', { level: 1, name: `Journal: ${yesterday}` }).waitFor();
    assert.equal(await shownJournal(page), yesterday);
    assert.ok(page.url().endsWith(`#/chat/${yesterday}`), `the URL does not name the journal: ${page.url()}`);
    const messages = page.getByRole('region', { name: 'Messages' });
    await messages.getByText(question).waitFor({ state: 'visible' });
    await messages.getByText(answer).waitFor({ state: 'visible' });
    assert.ok(await composer(page).isDisabled(), 'the composer of a past journal takes text');
    const reason = await composer(page).evaluate(
      (input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent,
    );
    assert.equal(reason, PAST_JOURNAL, 'the composer does not say why it is disabled');
    await page.getByText(PAST_JOURNAL, { exact: true }).first().waitFor({ state: 'visible' });
    assert.ok(
      await page.getByRole('button', { name: 'Update knowledge base' }).isDisabled(),
      'a past journal offers a knowledge update',
    );
    await assertAccessible(page, 'journal-past');
    await screenshot(page, 'journal-past');

    await pickJournal(page, `Today · ${today}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(`^Journal: ${today}`) }).waitFor();
    await composerEnabled(page);
    assert.equal(await page.getByText(question).count(), 0, "yesterday's messages stayed on screen");
    assert.ok(!page.url().includes(yesterday), `the URL still names yesterday: ${page.url()}`);

    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
