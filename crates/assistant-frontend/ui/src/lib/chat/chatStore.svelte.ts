// The state of the chat with one journal: its messages (loaded a page at a time), sending a
// message (optimistic bubbles, then the reply's stream), and following that stream. A reply in
// progress is remembered (streamResume.ts), so reopening the journal after a reload, a journal
// switch or a dropped connection reattaches to the same stream where it left off. Past journals
// are read-only. Rendering and scrolling live in the components; this module has no DOM.
import { ApiError, get, post } from '../api/client';
import type { SendMessageResponse } from '../api/types';
import { PAGE_SIZE, fetchMessages } from '../journals/journalApi';
import { openEventStream, type EventStream, type StreamDrop } from '../sse';
import { applyStreamEvent, emptyReply, finishReply, fromJournalMessage, isStreamingReply, userMessage, type ChatMessage } from './messages';
import { clearActiveStream, loadActiveStream, saveActiveStream, type ActiveStream } from './streamResume';

/** Texts shown to the user. */
export const CHAT_TEXTS = {
  loading: 'Loading journal...',
  pastJournal: 'You can not chat with past journals.',
  replying: 'The assistant is replying...',
  unreachable: 'Could not reach the assistant backend. Please try again.',
  busy: 'A reply is still being written in this journal. Wait for it to finish.',
  loadFailed: 'Could not load the journal. Please try again.',
  olderFailed: 'Could not load older messages.',
  reconnecting: 'Connection lost. Reconnecting...',
} as const;

/** Callbacks into the rest of the app. */
export interface ChatSessionHooks {
  /** A reply finished (the journal list may have changed). */
  onTurnFinished?: () => void;
}

/** The chat with one journal at a time. */
export class ChatSession {
  reference = $state<string | null>(null);
  readOnly = $state(false);
  messages = $state<ChatMessage[]>([]);
  loading = $state(false);
  loadingOlder = $state(false);
  hasOlder = $state(false);
  sending = $state(false);
  streaming = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  /** Counts stream starts, so the view can follow each new reply. */
  streamStarts = $state(0);

  private stream: EventStream | null = null;
  private active: ActiveStream | null = null;
  private generation = 0;

  constructor(private readonly hooks: ChatSessionHooks = {}) {}

  /** Why the composer is disabled, or null when the user can type. */
  get disabledReason(): string | null {
    if (this.loading) return CHAT_TEXTS.loading;
    if (this.readOnly) return CHAT_TEXTS.pastJournal;
    if (this.sending || this.streaming) return CHAT_TEXTS.replying;
    return null;
  }

  /** Shows `reference` (today's journal when `isToday`, otherwise read-only). */
  async open(reference: string, isToday: boolean): Promise<void> {
    this.detach();
    const generation = ++this.generation;
    this.reference = reference;
    this.readOnly = !isToday;
    this.messages = [];
    this.error = null;
    this.notice = null;
    this.loading = true;
    try {
      const page = await fetchMessages(reference);
      if (generation !== this.generation) return;
      this.messages = page.map(fromJournalMessage);
      this.hasOlder = page.length === PAGE_SIZE;
      if (isToday) this.resumeStream(reference);
    } catch (error) {
      if (generation === this.generation && !(error instanceof ApiError && error.status === 401)) this.error = CHAT_TEXTS.loadFailed;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Prepends the page of messages before the oldest one shown. */
  async loadOlder(): Promise<void> {
    const reference = this.reference;
    if (!reference || this.loadingOlder || !this.hasOlder) return;
    const sequences = this.messages.map((m) => m.sequence).filter((s): s is number => s !== null);
    if (sequences.length === 0) return;
    const generation = this.generation;
    this.loadingOlder = true;
    try {
      const page = await fetchMessages(reference, Math.min(...sequences));
      if (generation !== this.generation) return;
      const known = this.messages.map((m) => m.id);
      this.messages = [...page.filter((m) => !known.includes(m.id)).map(fromJournalMessage), ...this.messages];
      this.hasOlder = page.length === PAGE_SIZE;
    } catch {
      if (generation === this.generation) this.error = CHAT_TEXTS.olderFailed;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Sends `text`; false when it was not accepted (the composer keeps the draft). */
  async send(text: string): Promise<boolean> {
    const message = text.trim();
    const reference = this.reference;
    if (!message || !reference || this.disabledReason) return false;
    const clientMessageId = crypto.randomUUID();
    const question = userMessage(clientMessageId, message);
    const reply = emptyReply(`reply-${clientMessageId}`, null);
    this.messages = [...this.messages, question, reply];
    this.error = null;
    this.sending = true;
    this.streamStarts += 1;
    try {
      const { stream_id } = await post<SendMessageResponse>('/api/chat/message', { message, client_message_id: clientMessageId });
      this.replaceMessage(reply.id, { ...reply, streamId: stream_id });
      this.attach({ streamId: stream_id, journal: reference, lastEventId: null, reply: { ...reply, streamId: stream_id } });
      return true;
    } catch (error) {
      this.messages = this.messages.filter((m) => m.id !== question.id && m.id !== reply.id);
      if (!(error instanceof ApiError && error.status === 401)) {
        this.error = error instanceof ApiError && error.status === 409 ? CHAT_TEXTS.busy : CHAT_TEXTS.unreachable;
      }
      return false;
    } finally {
      this.sending = false;
    }
  }

  /** Stops following the stream (it stays remembered, so reopening today resumes it). */
  detach(): void {
    this.generation += 1;
    this.stream?.close();
    this.stream = null;
    this.active = null;
    this.streaming = false;
  }

  private resumeStream(reference: string): void {
    let remembered = loadActiveStream();
    if (remembered && remembered.journal !== reference) {
      clearActiveStream(); // a reply of an earlier day: the journal holds whatever it became
      remembered = null;
    }
    if (remembered) {
      const stored = this.messages.find((m) => m.streamId === remembered.streamId && m.role === 'assistant');
      if (stored && stored.status !== 'streaming') {
        clearActiveStream(); // finished while we were away: the journal holds the reply
        return;
      }
      const reply = stored ? { ...stored, content: remembered.reply.content, toolCards: remembered.reply.toolCards } : remembered.reply;
      if (stored) this.replaceMessage(stored.id, reply);
      else this.messages = [...this.messages, reply];
      this.attach({ ...remembered, reply });
      return;
    }
    const streaming = [...this.messages].reverse().find(isStreamingReply);
    if (streaming?.streamId) {
      // A reply started elsewhere (another tab): replay its stream from the start.
      const reply = { ...streaming, content: '', toolCards: [] };
      this.replaceMessage(streaming.id, reply);
      this.attach({ streamId: streaming.streamId, journal: reference, lastEventId: null, reply });
    }
  }

  private attach(active: ActiveStream): void {
    this.active = active;
    this.streaming = true;
    this.streamStarts += 1;
    saveActiveStream(active);
    this.stream = openEventStream(`/api/chat/stream/${active.streamId}`, {
      lastEventId: active.lastEventId,
      events: ['message_chunk', 'tool_call', 'tool_response', 'error', 'done'],
      onEvent: (name, data, id) => this.onStreamEvent(active, name, data, id),
      onError: (drop) => this.onStreamDrop(active, drop),
    });
  }

  private onStreamEvent(active: ActiveStream, name: string, data: unknown, id: string | null): void {
    if (active !== this.active) return;
    const current = this.messages.find((m) => m.id === active.reply.id) ?? active.reply;
    const reply = applyStreamEvent(current, name, data);
    this.replaceMessage(reply.id, reply);
    active.reply = reply;
    if (id) active.lastEventId = id;
    this.notice = null;
    if (name === 'done') this.endStream();
    else saveActiveStream(active);
  }

  private onStreamDrop(active: ActiveStream, drop: StreamDrop): void {
    if (active !== this.active) return;
    // EventSource cannot see a 401: ask once, so an expired session returns to sign-in.
    if (drop.attempt === 1) void get('/api/users/me').catch(() => undefined);
    if (!drop.fatal) {
      this.notice = CHAT_TEXTS.reconnecting;
      return;
    }
    this.replaceMessage(active.reply.id, finishReply(active.reply, 'failed'));
    this.notice = null;
    this.error = CHAT_TEXTS.unreachable;
    this.endStream();
  }

  private endStream(): void {
    this.stream = null;
    this.active = null;
    this.streaming = false;
    clearActiveStream();
    this.hooks.onTurnFinished?.();
  }

  private replaceMessage(id: string, message: ChatMessage): void {
    this.messages = this.messages.map((m) => (m.id === id ? message : m));
  }
}
