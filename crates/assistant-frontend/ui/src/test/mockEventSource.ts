// Test double of `EventSource`: records every instance (with its URL) and lets a test emit named
// events, malformed payloads and transport drops. Install with `installMockEventSource()`.
import { vi } from 'vitest';

export class MockEventSource extends EventTarget {
  static instances: MockEventSource[] = [];
  readyState = 0;
  closed = false;

  constructor(readonly url: string) {
    super();
    MockEventSource.instances.push(this);
  }

  /** The newest instance (fails the test when none was opened). */
  static latest(): MockEventSource {
    const latest = MockEventSource.instances.at(-1);
    if (!latest) throw new Error('no EventSource was opened');
    return latest;
  }

  /** Dispatches a named event with `data` (objects are JSON-encoded) and an optional id. */
  emit(name: string, data: unknown, id = ''): void {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    this.dispatchEvent(new MessageEvent(name, { data: text, lastEventId: id }));
  }

  /** A transport failure, as the browser reports it (an `error` event without data). */
  drop(): void {
    this.readyState = 2;
    this.dispatchEvent(new Event('error'));
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
}

/** Replaces the global `EventSource` with `MockEventSource` for the current test. */
export function installMockEventSource(): void {
  MockEventSource.instances = [];
  vi.stubGlobal('EventSource', MockEventSource);
}
