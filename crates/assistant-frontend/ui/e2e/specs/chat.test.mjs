// Sign in as the seeded user, send a message, watch the offline answer stream in, scan the
// chat screen with axe, sign out.
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
} from '../lib/harness.mjs';

/** The offline model's answer: notes found, or the note that there are none yet. */
const OFFLINE_ANSWER = /From your notes|Your notes hold nothing about that yet/;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a signed-in user sends a message and sees the answer stream in', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto('/');
    await page.getByLabel(/email/i).waitFor({ state: 'visible' });
    await assertAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');

    await signIn(page);
    const message = `What do my notes say about the e2e run ${Date.now()}?`;
    await composer(page).fill(message);
    const sentAt = Date.now();
    await page.getByRole('button', { name: /send message/i }).click();

    await page.getByText(message).first().waitFor({ state: 'visible' });
    const answer = page.getByText(OFFLINE_ANSWER).last();
    await answer.waitFor({ state: 'visible' });
    const firstTextMs = Date.now() - sentAt;
    await page.getByText(/Offline mode: no language model is configured/).last().waitFor();
    // The composer comes back once the stream is done.
    await page.waitForFunction(
      () => !document.querySelector('textarea')?.hasAttribute('disabled'),
    );
    console.log(`first streamed text after ${firstTextMs} ms`);

    await assertAccessible(page, 'chat');
    await screenshot(page, 'chat');

    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
