// Sign in as the seeded user, send a message, watch the offline answer stream in (its text
// grows on screen before the reply is complete), scan the chat screen with axe, sign out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  OFFLINE_ANSWER,
  OFFLINE_NOTE,
  assertAccessible,
  completeReplyTo,
  launch,
  occurrences,
  openPage,
  screenshot,
  send,
  signIn,
  signOut,
} from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Records, from inside the page, each text the reply to `message` shows (a poll from the test
 * would miss the intermediate states of a fast stream).
 */
async function recordReplyTexts(page, message) {
  await page.evaluate((question) => {
    const texts = [];
    window.__replyTexts = texts;
    new MutationObserver(() => {
      const asked = [...document.querySelectorAll('article[data-message-role="user"]')].find(
        (article) => article.textContent?.includes(question),
      );
      const reply = asked?.nextElementSibling;
      if (reply?.getAttribute('data-message-role') !== 'assistant') return;
      const text = reply.querySelector('.markdown')?.textContent?.trim() ?? '';
      if (text && texts.at(-1) !== text) texts.push(text);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }, message);
  return () => page.evaluate(() => window.__replyTexts);
}

test('a signed-in user sends a message and sees the answer stream in', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto('/');
    await page.getByLabel(/email/i).waitFor({ state: 'visible' });
    await assertAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');

    await signIn(page);
    const message = `What do my notes say about the e2e run ${Date.now()}?`;
    const replyTexts = await recordReplyTexts(page, message);
    const sentAt = Date.now();
    await send(page, message);
    const reply = await completeReplyTo(page, message);
    console.log(`reply complete after ${Date.now() - sentAt} ms`);

    const texts = await replyTexts();
    console.log(`the reply grew in ${texts.length} steps`);
    assert.ok(texts.length >= 2, `the reply appeared at once instead of streaming: ${JSON.stringify(texts)}`);
    for (let index = 1; index < texts.length; index += 1) {
      assert.ok(texts[index].startsWith(texts[index - 1]), `a streamed chunk replaced earlier text: ${JSON.stringify(texts)}`);
    }
    const text = await reply.innerText();
    assert.match(text, OFFLINE_ANSWER);
    assert.equal(occurrences(text, OFFLINE_NOTE), 1);
    await reply.getByText('Knowledge search').waitFor({ state: 'visible' });

    await assertAccessible(page, 'chat');
    await screenshot(page, 'chat');

    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
