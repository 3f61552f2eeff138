import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MockEventSource, installMockEventSource } from '../test/mockEventSource';
import { openEventStream, resumeUrl } from './sse';

describe('openEventStream', () => {
  beforeEach(() => {
    installMockEventSource();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('delivers parsed JSON events with their ids', () => {
    const onEvent = vi.fn();
    openEventStream('/api/chat/stream/s1', { onEvent });
    MockEventSource.latest().emit('message_chunk', { text: 'Hi' }, '1-0');
    expect(onEvent).toHaveBeenCalledWith('message_chunk', { text: 'Hi' }, '1-0');
  });

  it('ignores malformed payloads and keeps the stream open', () => {
    const onEvent = vi.fn();
    openEventStream('/s', { onEvent });
    const source = MockEventSource.latest();
    source.emit('message_chunk', '{not json', '1-0');
    source.emit('message_chunk', { text: 'ok' }, '2-0');
    expect(onEvent).toHaveBeenCalledTimes(1);
    expect(onEvent).toHaveBeenCalledWith('message_chunk', { text: 'ok' }, '2-0');
    expect(source.closed).toBe(false);
  });

  it('reconnects after a drop with the last event id and a backoff', () => {
    const onError = vi.fn();
    const stream = openEventStream('/api/chat/stream/s1', { onEvent: vi.fn(), onError, baseDelayMs: 100 });
    const first = MockEventSource.latest();
    first.emit('message_chunk', { text: 'a' }, '7-0');
    first.drop();
    expect(first.closed).toBe(true);
    expect(onError).toHaveBeenCalledWith({ attempt: 1, fatal: false });
    expect(MockEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(MockEventSource.instances).toHaveLength(2);
    expect(MockEventSource.latest().url).toBe('/api/chat/stream/s1?last_event_id=7-0');
    expect(stream.lastEventId).toBe('7-0');

    MockEventSource.latest().drop();
    vi.advanceTimersByTime(199);
    expect(MockEventSource.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(MockEventSource.instances).toHaveLength(3);
  });

  it('resumes from a given last event id on the first connection', () => {
    openEventStream('/w?x=1', { onEvent: vi.fn(), lastEventId: '3' });
    expect(MockEventSource.latest().url).toBe('/w?x=1&last_event_id=3');
  });

  it('gives up after the maximum attempts and reports a fatal drop', () => {
    const onError = vi.fn();
    openEventStream('/s', { onEvent: vi.fn(), onError, maxAttempts: 2, baseDelayMs: 10 });
    MockEventSource.latest().drop();
    vi.advanceTimersByTime(10);
    MockEventSource.latest().drop();
    vi.advanceTimersByTime(20);
    MockEventSource.latest().drop();
    expect(onError).toHaveBeenLastCalledWith({ attempt: 3, fatal: true });
    vi.advanceTimersByTime(10_000);
    expect(MockEventSource.instances).toHaveLength(3);
  });

  it('stops on done and does not reconnect afterwards', () => {
    const onEvent = vi.fn();
    openEventStream('/s', { onEvent });
    const source = MockEventSource.latest();
    source.emit('done', { reason: 'complete' }, '9-0');
    expect(source.closed).toBe(true);
    expect(onEvent).toHaveBeenCalledWith('done', { reason: 'complete' }, '9-0');
    source.drop();
    vi.advanceTimersByTime(60_000);
    expect(MockEventSource.instances).toHaveLength(1);
  });

  it('stops on a status event marked terminal', () => {
    openEventStream('/watch', { onEvent: vi.fn() });
    MockEventSource.latest().emit('status', { state: 'SUCCEEDED', terminal: true }, '14');
    expect(MockEventSource.latest().closed).toBe(true);
  });

  it('treats an error event with data as an event, not a drop', () => {
    const onEvent = vi.fn();
    const onError = vi.fn();
    openEventStream('/s', { onEvent, onError });
    MockEventSource.latest().emit('error', { message: 'boom', tool_call_id: null }, '2-0');
    expect(onEvent).toHaveBeenCalledWith('error', { message: 'boom', tool_call_id: null }, '2-0');
    expect(onError).not.toHaveBeenCalled();
  });

  it('close() stops events and pending reconnects', () => {
    const onEvent = vi.fn();
    const stream = openEventStream('/s', { onEvent, baseDelayMs: 10 });
    MockEventSource.latest().drop();
    stream.close();
    vi.advanceTimersByTime(1000);
    expect(MockEventSource.instances).toHaveLength(1);
  });
});

describe('resumeUrl', () => {
  it('replaces an existing last_event_id', () => {
    expect(resumeUrl('/s?last_event_id=1', '2')).toBe('/s?last_event_id=2');
    expect(resumeUrl('/s', null)).toBe('/s');
  });
});
