// Remembers the reply being streamed in sessionStorage (its stream, journal, the last event id seen
// and the text so far), so a page reload, a journal switch or a network drop reattaches to the
// same stream with `?last_event_id=` and completes the reply instead of losing it. The stored
// journal copy of a streaming reply has no text yet, which is why the partial reply is kept too.
import type { ChatMessage } from './messages';

const KEY = 'exobrain.chat.activeStream';

/** The reply a stream is filling. */
export interface ActiveStream {
  streamId: string;
  journal: string;
  lastEventId: string | null;
  reply: ChatMessage;
}

function isActiveStream(value: unknown): value is ActiveStream {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const reply = record.reply as Record<string, unknown> | undefined;
  return (
    typeof record.streamId === 'string' &&
    typeof record.journal === 'string' &&
    (record.lastEventId === null || typeof record.lastEventId === 'string') &&
    typeof reply === 'object' &&
    reply !== null &&
    typeof reply.content === 'string' &&
    Array.isArray(reply.toolCards)
  );
}

/** The remembered stream, or null (a corrupt entry is removed). */
export function loadActiveStream(): ActiveStream | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (isActiveStream(value)) return value;
  } catch {
    // corrupt: fall through and forget it
  }
  sessionStorage.removeItem(KEY);
  return null;
}

/** Remembers `stream` (replacing any other). */
export function saveActiveStream(stream: ActiveStream): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(stream));
  } catch {
    // storage full or disabled: resume after reload is lost, the live stream is not
  }
}

/** Forgets the remembered stream. */
export function clearActiveStream(): void {
  sessionStorage.removeItem(KEY);
}
