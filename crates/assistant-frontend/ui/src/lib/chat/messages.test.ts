import { describe, expect, it } from 'vitest';
import { applyStreamEvent, emptyReply, fromJournalMessage, type ChatMessage } from './messages';

function run(events: [string, unknown][]): ChatMessage {
  return events.reduce((reply, [name, data]) => applyStreamEvent(reply, name, data), emptyReply('r1', 's1'));
}

describe('applyStreamEvent', () => {
  it('appends message chunks in order', () => {
    const reply = run([
      ['message_chunk', { text: 'Anna moved ' }],
      ['message_chunk', { text: 'to Munich' }],
    ]);
    expect(reply.content).toBe('Anna moved to Munich');
  });

  it('ignores chunks without text', () => {
    expect(run([['message_chunk', { nope: 1 }], ['message_chunk', null]]).content).toBe('');
  });

  it('resolves tool cards by id even when responses arrive out of order', () => {
    const reply = run([
      ['tool_call', { tool_call_id: 'a', title: 'Knowledge search', description: 'Searching A' }],
      ['tool_call', { tool_call_id: 'b', title: 'Entity context', description: 'Reading B' }],
      ['tool_response', { tool_call_id: 'b', message: 'B found' }],
    ]);
    expect(reply.toolCards.map((c) => [c.toolCallId, c.state, c.response])).toEqual([
      ['a', 'pending', null],
      ['b', 'done', 'B found'],
    ]);
  });

  it('keeps a response that overtook its call and takes the call title later', () => {
    const reply = run([
      ['tool_response', { tool_call_id: 'x', message: 'Done early' }],
      ['tool_call', { tool_call_id: 'x', title: 'Web search', description: 'Searching the web' }],
    ]);
    expect(reply.toolCards).toHaveLength(1);
    expect(reply.toolCards[0]).toMatchObject({ title: 'Web search', state: 'done', response: 'Done early' });
  });

  it('marks a failed tool call as error and a turn error as an Error card', () => {
    const reply = run([
      ['tool_call', { tool_call_id: 'a', title: 'Web fetch', description: 'Looking' }],
      ['error', { tool_call_id: 'a', message: "Couldn't reach it" }],
      ['error', { tool_call_id: null, message: 'model failed' }],
    ]);
    expect(reply.toolCards[0]).toMatchObject({ state: 'error', response: "Couldn't reach it" });
    expect(reply.toolCards[1]).toMatchObject({ title: 'Error', state: 'error', response: 'model failed' });
    expect(reply.status).toBe('failed');
  });

  it('marks pending cards interrupted when the stream is done', () => {
    const reply = run([
      ['tool_call', { tool_call_id: 'a', title: 'T', description: 'D' }],
      ['done', { reason: 'cancelled' }],
    ]);
    expect(reply.toolCards[0]?.state).toBe('interrupted');
    expect(reply.status).toBe('failed');
    expect(run([['done', { reason: 'complete' }]]).status).toBe('complete');
  });
});

describe('fromJournalMessage', () => {
  it('turns stored tool calls into cards and keeps the stream id', () => {
    const message = fromJournalMessage({
      id: 'm1',
      role: 'assistant',
      content: null,
      sequence: 4,
      status: 'streaming',
      metadata: { stream_id: 's9' },
      tool_calls: [
        { tool_call_id: 'a', title: 'T', description: 'D', response: 'ok', error: null },
        { tool_call_id: 'b', title: 'T2', description: 'D2', response: null, error: null },
      ],
    });
    expect(message.content).toBe('');
    expect(message.streamId).toBe('s9');
    expect(message.toolCards.map((c) => c.state)).toEqual(['done', 'pending']);
  });

  it('shows an unanswered call of a finished reply as interrupted', () => {
    const message = fromJournalMessage({ id: 'm', role: 'assistant', content: 'x', sequence: 1, tool_calls: [{ tool_call_id: 'a', title: 'T', description: 'D' }] });
    expect(message.toolCards[0]?.state).toBe('interrupted');
  });
});
