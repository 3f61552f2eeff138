// The chat's view of a message and the pure rules that build it: from a stored journal message,
// and event by event from a chat stream (text chunks, tool-call cards matched by their id even
// when responses arrive out of order, errors, and pending cards marked interrupted at the end).
// No I/O here; the chat store applies these to its state.
import type { JournalMessage, StoredToolCall } from '../api/types';

/** State of a tool-call card. */
export type ToolCardState = 'pending' | 'done' | 'error' | 'interrupted';

/** One tool call of an assistant reply, as a card. */
export interface ToolCard {
  toolCallId: string | null;
  title: string;
  description: string;
  response: string | null;
  state: ToolCardState;
}

/** One message on screen. */
export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** Position in the journal; null for a message not yet stored (optimistic). */
  sequence: number | null;
  createdAt: string | null;
  status: 'complete' | 'streaming' | 'failed';
  streamId: string | null;
  toolCards: ToolCard[];
}

function cardFromStored(call: StoredToolCall, replyStreaming: boolean): ToolCard {
  let state: ToolCardState = replyStreaming ? 'pending' : 'interrupted';
  if (call.error) state = 'error';
  else if (call.response != null) state = 'done';
  return {
    toolCallId: call.tool_call_id,
    title: call.title,
    description: call.description,
    response: call.error ?? call.response ?? null,
    state,
  };
}

/** The on-screen message of a stored one. */
export function fromJournalMessage(message: JournalMessage): ChatMessage {
  const status = message.status ?? 'complete';
  return {
    id: message.id,
    role: message.role,
    content: message.content ?? '',
    sequence: message.sequence,
    createdAt: message.created_at ?? null,
    status,
    streamId: typeof message.metadata?.stream_id === 'string' ? message.metadata.stream_id : null,
    toolCards: (message.tool_calls ?? []).map((call) => cardFromStored(call, status === 'streaming')),
  };
}

/** The user's message as sent, before the journal stores it. */
export function userMessage(id: string, content: string): ChatMessage {
  return { id, role: 'user', content, sequence: null, createdAt: new Date().toISOString(), status: 'complete', streamId: null, toolCards: [] };
}

/** A new empty assistant reply that a stream will fill. */
export function emptyReply(id: string, streamId: string | null): ChatMessage {
  return { id, role: 'assistant', content: '', sequence: null, createdAt: new Date().toISOString(), status: 'streaming', streamId, toolCards: [] };
}

function text(data: unknown, field: string): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const value = (data as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : null;
}

function lastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index -= 1) {
    if (predicate(items[index] as T)) return index;
  }
  return -1;
}

function resolveCard(cards: ToolCard[], toolCallId: string | null, response: string, state: ToolCardState): ToolCard[] {
  let index = toolCallId ? lastIndex(cards, (card) => card.toolCallId === toolCallId) : -1;
  if (index < 0) index = lastIndex(cards, (card) => card.state === 'pending' && !card.toolCallId);
  if (index < 0 && !toolCallId) index = lastIndex(cards, (card) => card.state === 'pending');
  if (index < 0) {
    const title = state === 'error' ? 'Error' : 'Tool result';
    return [...cards, { toolCallId, title, description: state === 'error' ? '' : 'Completed', response, state }];
  }
  return cards.map((card, i) => (i === index ? { ...card, response, state } : card));
}

/** The reply after one stream event; unknown events and malformed data leave it unchanged. */
export function applyStreamEvent(message: ChatMessage, name: string, data: unknown): ChatMessage {
  switch (name) {
    case 'message_chunk': {
      const chunk = text(data, 'text');
      return chunk === null ? message : { ...message, content: message.content + chunk };
    }
    case 'tool_call': {
      const toolCallId = text(data, 'tool_call_id');
      const title = text(data, 'title') ?? 'Tool call';
      const description = text(data, 'description') ?? '';
      const existing = toolCallId ? message.toolCards.findIndex((card) => card.toolCallId === toolCallId) : -1;
      if (existing >= 0) {
        // Its response overtook it: keep the response, take the real title.
        const toolCards = message.toolCards.map((card, i) => (i === existing ? { ...card, title, description } : card));
        return { ...message, toolCards };
      }
      const card: ToolCard = { toolCallId, title, description, response: null, state: 'pending' };
      return { ...message, toolCards: [...message.toolCards, card] };
    }
    case 'tool_response': {
      const response = text(data, 'message') ?? '';
      return { ...message, toolCards: resolveCard(message.toolCards, text(data, 'tool_call_id'), response, 'done') };
    }
    case 'error': {
      const errorText = text(data, 'message') ?? 'The assistant failed.';
      const toolCallId = text(data, 'tool_call_id');
      if (toolCallId) return { ...message, toolCards: resolveCard(message.toolCards, toolCallId, errorText, 'error') };
      const card: ToolCard = { toolCallId: null, title: 'Error', description: '', response: errorText, state: 'error' };
      return { ...message, status: 'failed', toolCards: [...message.toolCards, card] };
    }
    case 'done': {
      const reason = text(data, 'reason') ?? 'complete';
      return finishReply(message, reason === 'complete' && message.status !== 'failed' ? 'complete' : 'failed');
    }
    default:
      return message;
  }
}

/** The reply once its stream ended: pending cards become interrupted. */
export function finishReply(message: ChatMessage, status: 'complete' | 'failed'): ChatMessage {
  const toolCards = message.toolCards.map((card) => (card.state === 'pending' ? { ...card, state: 'interrupted' as const } : card));
  return { ...message, status, toolCards };
}

/** Whether a stored message is a reply still being written (a stream to follow). */
export function isStreamingReply(message: ChatMessage): boolean {
  return message.role === 'assistant' && message.status === 'streaming' && message.streamId !== null;
}
