// The one server-sent-events client of the UI (chat streams and knowledge-update watches): a small
// wrapper around `EventSource` that parses each event's JSON, drops malformed payloads instead of
// failing, remembers the id of the last event seen and, after a drop, reconnects itself with
// `?last_event_id=<id>` (with a growing delay) so the server replays exactly what was missed.
// The browser's own reconnect is never used: it cannot tell an expired stream from a blip.
// It stops for good on a terminal event (`done`, or data with `terminal: true`) or `close()`.

/** A drop of the connection; `fatal` when the wrapper gave up reconnecting. */
export interface StreamDrop {
  attempt: number;
  fatal: boolean;
}

/** What to do with a stream's events. */
export interface EventStreamOptions {
  /** One parsed event: its name, its JSON data and its `id:` (null when it had none). */
  onEvent(name: string, data: unknown, id: string | null): void;
  /** The connection dropped (a reconnect follows unless `fatal`). */
  onError?(drop: StreamDrop): void;
  /** Resume after this event id instead of from the start. */
  lastEventId?: string | null;
  /** Event names to listen for (named SSE events need one listener each). */
  events?: readonly string[];
  /** Whether an event ends the stream; by default `done` or data with `terminal: true`. */
  isTerminal?(name: string, data: unknown): boolean;
  /** Consecutive failed reconnects (no event in between) before giving up; default 6. */
  maxAttempts?: number;
  /** First reconnect delay in ms, doubled per attempt up to 10 s; default 500. */
  baseDelayMs?: number;
}

/** An open stream. */
export interface EventStream {
  close(): void;
  /** The id of the last event received (or the one resumed from). */
  readonly lastEventId: string | null;
}

/** Every event name the backend streams send (chat and knowledge watch). */
export const DEFAULT_EVENTS = ['message_chunk', 'tool_call', 'tool_response', 'error', 'done', 'status'] as const;

const MAX_DELAY_MS = 10_000;

function defaultIsTerminal(name: string, data: unknown): boolean {
  if (name === 'done') return true;
  return typeof data === 'object' && data !== null && (data as { terminal?: unknown }).terminal === true;
}

/** `url` with `last_event_id` set to `id` (replacing one already there). */
export function resumeUrl(url: string, id: string | null): string {
  if (!id) return url;
  const [path = '', query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  params.set('last_event_id', id);
  return `${path}?${params.toString()}`;
}

/** Opens `url` as an event stream; see the module comment. */
export function openEventStream(url: string, options: EventStreamOptions): EventStream {
  const events = options.events ?? DEFAULT_EVENTS;
  const isTerminal = options.isTerminal ?? defaultIsTerminal;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelay = options.baseDelayMs ?? 500;
  let lastEventId = options.lastEventId ?? null;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;
  let closed = false;

  function stop() {
    closed = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    source?.close();
    source = null;
  }

  function handleMessage(name: string, event: MessageEvent) {
    if (closed) return;
    if (event.lastEventId) lastEventId = event.lastEventId;
    attempts = 0;
    let data: unknown;
    try {
      data = JSON.parse(String(event.data));
    } catch {
      return; // a malformed payload is skipped, the stream goes on
    }
    const terminal = isTerminal(name, data);
    if (terminal) stop();
    options.onEvent(name, data, event.lastEventId || null);
  }

  function handleDrop() {
    if (closed) return;
    source?.close();
    source = null;
    attempts += 1;
    const fatal = attempts > maxAttempts;
    if (fatal) stop();
    options.onError?.({ attempt: attempts, fatal });
    if (fatal || closed) return;
    const delay = Math.min(baseDelay * 2 ** (attempts - 1), MAX_DELAY_MS);
    timer = setTimeout(connect, delay);
  }

  function connect() {
    timer = null;
    if (closed) return;
    const current = new EventSource(resumeUrl(url, lastEventId));
    source = current;
    for (const name of events) {
      current.addEventListener(name, (event) => {
        // A transport failure is also dispatched as `error`, but without data.
        if (event instanceof MessageEvent && typeof event.data === 'string') handleMessage(name, event);
        else if (name === 'error' && current === source) handleDrop();
      });
    }
    current.addEventListener('message', (event) => handleMessage('message', event));
    if (!events.includes('error')) current.addEventListener('error', () => current === source && handleDrop());
  }

  connect();
  return {
    close: stop,
    get lastEventId() {
      return lastEventId;
    },
  };
}
