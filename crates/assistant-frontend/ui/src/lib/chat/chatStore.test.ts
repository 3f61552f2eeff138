import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import { MockEventSource, installMockEventSource } from '../../test/mockEventSource';
import type { JournalMessage } from '../api/types';
import { CHAT_TEXTS, ChatSession } from './chatStore.svelte';
import { loadActiveStream, saveActiveStream } from './streamResume';

const TODAY = '2026/12/07';
const MESSAGES = `GET /api/journal/${TODAY}/messages`;

function stored(sequence: number, extra: Partial<JournalMessage> = {}): JournalMessage {
  return { id: `m${sequence}`, role: sequence % 2 ? 'user' : 'assistant', content: `text ${sequence}`, sequence, status: 'complete', ...extra };
}

describe('ChatSession', () => {
  beforeEach(() => {
    installMockEventSource();
    sessionStorage.clear();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('loads the newest page oldest first and knows when older messages exist', async () => {
    const page = Array.from({ length: 50 }, (_, i) => stored(100 - i));
    stubFetch({ [MESSAGES]: { body: page } });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    expect(chat.messages[0]?.sequence).toBe(51);
    expect(chat.messages.at(-1)?.sequence).toBe(100);
    expect(chat.hasOlder).toBe(true);
  });

  it('prepends older messages using the oldest sequence as cursor', async () => {
    const calls = stubFetch({
      [`${MESSAGES}?limit=50`]: { body: Array.from({ length: 50 }, (_, i) => stored(60 - i)) },
      [`${MESSAGES}?limit=50&cursor=11`]: { body: [stored(10), stored(9)] },
    });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    await chat.loadOlder();
    expect(calls.at(-1)?.url).toBe(`/api/journal/${TODAY}/messages?limit=50&cursor=11`);
    expect(chat.messages.slice(0, 3).map((m) => m.sequence)).toEqual([9, 10, 11]);
    expect(chat.hasOlder).toBe(false);
  });

  it('past journals are read-only', async () => {
    stubFetch({ 'GET /api/journal/2026/12/01/messages': { body: [stored(1)] } });
    const chat = new ChatSession();
    await chat.open('2026/12/01', false);
    expect(chat.disabledReason).toBe(CHAT_TEXTS.pastJournal);
    expect(await chat.send('hello')).toBe(false);
  });

  it('sends with a client message id, streams the reply and finishes on done', async () => {
    const onTurnFinished = vi.fn();
    const calls = stubFetch({ [MESSAGES]: { body: [] }, 'POST /api/chat/message': { body: { stream_id: 's1' } } });
    const chat = new ChatSession({ onTurnFinished });
    await chat.open(TODAY, true);
    expect(await chat.send('  Where does Anna live?  ')).toBe(true);
    const sent = calls.find((c) => c.method === 'POST')?.body as { message: string; client_message_id: string };
    expect(sent.message).toBe('Where does Anna live?');
    expect(sent.client_message_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(chat.disabledReason).toBe(CHAT_TEXTS.replying);

    const source = MockEventSource.latest();
    expect(source.url).toBe('/api/chat/stream/s1');
    source.emit('tool_call', { tool_call_id: 'c1', title: 'Knowledge search', description: 'Searching' }, '1-0');
    source.emit('message_chunk', { text: 'In Munich.' }, '2-0');
    expect(loadActiveStream()).toMatchObject({ streamId: 's1', lastEventId: '2-0', journal: TODAY });
    source.emit('done', { reason: 'complete' }, '3-0');

    const reply = chat.messages[1];
    expect(reply?.content).toBe('In Munich.');
    expect(reply?.toolCards[0]?.state).toBe('interrupted');
    expect(chat.disabledReason).toBeNull();
    expect(loadActiveStream()).toBeNull();
    expect(onTurnFinished).toHaveBeenCalledOnce();
  });

  it('removes the optimistic bubbles and says why when sending fails', async () => {
    stubFetch({ [MESSAGES]: { body: [] }, 'POST /api/chat/message': { status: 409, body: { detail: 'busy' } } });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    expect(await chat.send('hi')).toBe(false);
    expect(chat.messages).toEqual([]);
    expect(chat.error).toBe(CHAT_TEXTS.busy);
  });

  it('after a reload, reattaches to the remembered stream from the last event id with the text so far', async () => {
    saveActiveStream({
      streamId: 's1',
      journal: TODAY,
      lastEventId: '5-0',
      reply: { id: 'reply-x', role: 'assistant', content: 'Half a ', sequence: null, createdAt: null, status: 'streaming', streamId: 's1', toolCards: [] },
    });
    stubFetch({ [MESSAGES]: { body: [stored(2, { content: null, status: 'streaming', metadata: { stream_id: 's1' } }), stored(1)] } });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    const source = MockEventSource.latest();
    expect(source.url).toBe('/api/chat/stream/s1?last_event_id=5-0');
    source.emit('message_chunk', { text: 'reply.' }, '6-0');
    source.emit('done', { reason: 'complete' }, '7-0');
    expect(chat.messages.map((m) => m.content)).toEqual(['text 1', 'Half a reply.']);
  });

  it('shows the stored reply and forgets the stream when it finished meanwhile', async () => {
    saveActiveStream({
      streamId: 's1',
      journal: TODAY,
      lastEventId: '5-0',
      reply: { id: 'r', role: 'assistant', content: 'Half', sequence: null, createdAt: null, status: 'streaming', streamId: 's1', toolCards: [] },
    });
    stubFetch({ [MESSAGES]: { body: [stored(2, { content: 'Whole reply', metadata: { stream_id: 's1' } }), stored(1)] } });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    expect(MockEventSource.instances).toHaveLength(0);
    expect(chat.messages.at(-1)?.content).toBe('Whole reply');
    expect(loadActiveStream()).toBeNull();
  });

  it('follows a reply started elsewhere from the start of its stream', async () => {
    stubFetch({ [MESSAGES]: { body: [stored(2, { content: null, status: 'streaming', metadata: { stream_id: 's7' } }), stored(1)] } });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    expect(MockEventSource.latest().url).toBe('/api/chat/stream/s7');
    expect(chat.streaming).toBe(true);
  });

  it('detaching for a past journal drops its events and keeps the stream for later', async () => {
    stubFetch({
      [MESSAGES]: { body: [] },
      'GET /api/journal/2026/12/01/messages': { body: [stored(1)] },
      'POST /api/chat/message': { body: { stream_id: 's1' } },
    });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    await chat.send('hi');
    const source = MockEventSource.latest();
    source.emit('message_chunk', { text: 'Hel' }, '1-0');
    await chat.open('2026/12/01', false);
    expect(source.closed).toBe(true);
    expect(loadActiveStream()?.lastEventId).toBe('1-0');
    expect(chat.messages.map((m) => m.content)).toEqual(['text 1']);
  });

  it('checks the session after a drop, so a 401 signs the UI out', async () => {
    const calls = stubFetch({ [MESSAGES]: { body: [] }, 'POST /api/chat/message': { body: { stream_id: 's1' } }, 'GET /api/users/me': { status: 401 } });
    const chat = new ChatSession();
    await chat.open(TODAY, true);
    await chat.send('hi');
    MockEventSource.latest().drop();
    expect(calls.at(-1)?.url).toBe('/api/users/me');
    chat.detach();
  });

  it('gives up after repeated drops with the unreachable text', async () => {
    vi.useFakeTimers();
    try {
      stubFetch({ [MESSAGES]: { body: [] }, 'POST /api/chat/message': { body: { stream_id: 's1' } } });
      const chat = new ChatSession();
      await chat.open(TODAY, true);
      await chat.send('hi');
      MockEventSource.latest().drop();
      expect(chat.notice).toBe(CHAT_TEXTS.reconnecting);
      for (let i = 0; i < 6; i += 1) {
        vi.advanceTimersByTime(10_000);
        MockEventSource.latest().drop();
      }
      expect(chat.error).toBe(CHAT_TEXTS.unreachable);
      expect(chat.streaming).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
