// A reply survives a reload and a dropped connection: the UI keeps the stream id and the last
// event id in sessionStorage and reattaches to the same stream with `?last_event_id=`, so the
// reply completes exactly once. The offline model answers in milliseconds, so each spec makes
// its window deterministic by intercepting the stream requests (page.route).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  OFFLINE_NOTE,
  assertAccessible,
  completeReplyTo,
  launch,
  occurrences,
  openPage,
  replyTo,
  send,
  sentMessage,
  signIn,
  signOut,
} from '../lib/harness.mjs';

/** Where the chat remembers the reply being streamed (src/lib/chat/streamResume.ts). */
const ACTIVE_STREAM_KEY = 'exobrain.chat.activeStream';
const STREAMS = '**/api/chat/stream/**';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Records the URL of every chat stream request the page makes. */
function recordStreamRequests(page) {
  const urls = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/chat/stream/')) urls.push(request.url());
  });
  return urls;
}

/** The reply being streamed as sessionStorage remembers it (waits until there is one). */
async function rememberedStream(page) {
  const handle = await page.waitForFunction((key) => {
    const raw = sessionStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  }, ACTIVE_STREAM_KEY);
  return handle.jsonValue();
}

/** The reply's text after a plain reload: what the journal stored, shown without a stream. */
async function storedReplyText(page, question) {
  await page.reload();
  const reply = await completeReplyTo(page, question);
  return reply.innerText();
}

/** Asserts that `question` has exactly one reply, complete, with its text once. */
async function assertOneCompleteReply(page, question) {
  const reply = await completeReplyTo(page, question);
  const after = sentMessage(page, question).locator('xpath=following-sibling::article');
  assert.equal(await after.count(), 1, 'the question has more than one reply');
  const text = await reply.innerText();
  assert.equal(occurrences(text, OFFLINE_NOTE), 1, `the reply repeats itself:\n${text}`);
  assert.equal(await reply.getByText('This reply did not finish.').count(), 0);
  return text;
}

test('a reload while the reply streams reattaches to its stream and completes it once', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page);
    const streamUrls = recordStreamRequests(page);
    // No stream event reaches the page before the reload.
    let holdStreams = true;
    await page.route(STREAMS, (route) =>
      holdStreams ? route.abort('connectionreset') : route.fallback(),
    );

    const question = `Reload test ${Date.now()}: what do my notes say about apple trees?`;
    await send(page, question);
    const remembered = await rememberedStream(page);
    assert.equal(remembered.lastEventId, null, 'an event reached the page before the reload');
    await replyTo(page, question).getByText('Thinking').waitFor({ state: 'visible' });
    assert.ok(streamUrls.some((url) => url.includes(remembered.streamId)));

    // With a real model the journal still holds the reply as `streaming` at this point; the
    // offline one has already finished, so the journal read after the reload says so.
    let replyInJournal = false;
    await page.route(
      '**/api/journal/**/messages*',
      async (route) => {
        const response = await route.fetch();
        const messages = await response.json();
        const midReply = messages.map((message) => {
          const isReply = message.role === 'assistant' && message.metadata?.stream_id === remembered.streamId;
          if (!isReply) return message;
          replyInJournal = true;
          return { ...message, status: 'streaming', content: '', tool_calls: [] };
        });
        await route.fulfill({ response, json: midReply });
      },
      { times: 1 },
    );
    holdStreams = false;
    const beforeReload = streamUrls.length;
    await page.reload();

    const resumed = await assertOneCompleteReply(page, question);
    assert.ok(replyInJournal, 'the journal did not list the reply with its stream id');
    const reattached = streamUrls.slice(beforeReload);
    assert.ok(
      reattached.some((url) => url.includes(`/api/chat/stream/${remembered.streamId}`)),
      `no request reattached to stream ${remembered.streamId}: ${reattached.join(', ')}`,
    );
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), ACTIVE_STREAM_KEY), null);
    await assertAccessible(page, 'chat after reload');

    assert.equal(await storedReplyText(page, question), resumed, 'the resumed reply differs from the stored one');
    await assertOneCompleteReply(page, question);

    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});

test('a dropped connection resumes after the last event seen, repeating nothing', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page);
    const streamUrls = recordStreamRequests(page);
    // The first connection delivers the events up to the first text chunk, then drops.
    const cut = { eventId: null, delivered: 0, total: 0 };
    await page.route(
      STREAMS,
      async (route) => {
        const response = await route.fetch();
        const events = (await response.text()).split('\n\n').filter((event) => event.trim());
        const firstChunk = events.findIndex((event) => /^event: ?message_chunk$/m.test(event));
        const delivered = events.slice(0, firstChunk + 1);
        cut.eventId = /^id: ?(.+)$/m.exec(delivered.at(-1) ?? '')?.[1] ?? null;
        cut.delivered = delivered.length;
        cut.total = events.length;
        await route.fulfill({ response, body: `${delivered.join('\n\n')}\n\n` });
      },
      { times: 1 },
    );

    const question = `Drop test ${Date.now()}: what do my notes say about the orchard?`;
    await send(page, question);
    const text = await assertOneCompleteReply(page, question);

    assert.ok(cut.eventId, 'the first connection delivered no text chunk with an id');
    assert.ok(cut.total - cut.delivered >= 2, `nothing was left to resume (${cut.delivered}/${cut.total} events)`);
    assert.ok(streamUrls.length >= 2, `no reconnect: ${streamUrls.join(', ')}`);
    assert.equal(
      new URL(streamUrls[1]).searchParams.get('last_event_id'),
      cut.eventId,
      'the reconnect did not ask for the events after the last one seen',
    );

    assert.equal(await storedReplyText(page, question), text, 'the resumed reply differs from the stored one');
    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
