import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import { MockEventSource, installMockEventSource } from '../../test/mockEventSource';
import type { JournalMessage } from '../api/types';
import ChatView from './ChatView.svelte';

const TODAY = '2026/12/07';

function reply(extra: Partial<JournalMessage> = {}): JournalMessage {
  return { id: 'a1', role: 'assistant', content: 'Use **bold** text', sequence: 2, status: 'complete', ...extra };
}

describe('ChatView', () => {
  beforeEach(() => {
    installMockEventSource();
    sessionStorage.clear();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('renders messages as markdown in articles', async () => {
    stubFetch({ [`GET /api/journal/${TODAY}/messages`]: { body: [reply()] } });
    render(ChatView, { reference: TODAY, isToday: true });
    const article = await screen.findByRole('article');
    expect(article).toHaveAttribute('data-message-role', 'assistant');
    expect(within(article).getByText('bold').tagName).toBe('STRONG');
  });

  it('folds several tool cards into a stack and unfolds them', async () => {
    const tool_calls = [
      { tool_call_id: 'c1', title: 'Knowledge search', description: 'Searching A', response: 'Found 1' },
      { tool_call_id: 'c2', title: 'Entity context', description: 'Reading B', response: null, error: 'boom' },
    ];
    stubFetch({ [`GET /api/journal/${TODAY}/messages`]: { body: [reply({ tool_calls })] } });
    const user = userEvent.setup();
    render(ChatView, { reference: TODAY, isToday: true });
    expect(await screen.findByText(/Entity context/)).toBeInTheDocument();
    expect(screen.queryByText(/Knowledge search/)).not.toBeInTheDocument();
    expect(screen.getByText('(failed)')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Unfold tool call cards' }));
    expect(screen.getByText(/Knowledge search/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Fold tool call cards' })).toHaveAttribute('aria-expanded', 'true');
  });

  it('loads older messages with the button', async () => {
    const page = Array.from({ length: 50 }, (_, i) => reply({ id: `m${i}`, sequence: 60 - i, content: `message ${60 - i}` }));
    stubFetch({
      [`GET /api/journal/${TODAY}/messages?limit=50`]: { body: page },
      [`GET /api/journal/${TODAY}/messages?limit=50&cursor=11`]: { body: [reply({ id: 'old', sequence: 10, content: 'the oldest' })] },
    });
    const user = userEvent.setup();
    render(ChatView, { reference: TODAY, isToday: true });
    await user.click(await screen.findByRole('button', { name: 'Load older messages' }));
    expect(await screen.findByText('the oldest')).toBeInTheDocument();
    expect(screen.getAllByRole('article')[0]).toHaveTextContent('the oldest');
    expect(screen.queryByRole('button', { name: 'Load older messages' })).not.toBeInTheDocument();
  });

  describe('auto-scroll', () => {
    beforeEach(() => {
      vi.spyOn(HTMLElement.prototype, 'scrollHeight', 'get').mockReturnValue(1000);
      vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(300);
    });
    afterEach(() => vi.restoreAllMocks());

    it("opens today's journal at its newest message", async () => {
      stubFetch({ [`GET /api/journal/${TODAY}/messages`]: { body: [reply()] } });
      render(ChatView, { reference: TODAY, isToday: true });
      const list = await screen.findByRole('region', { name: 'Messages' });
      await waitFor(() => expect(list.scrollTop).toBe(700));
    });

    it('leaves a past journal where it starts', async () => {
      stubFetch({ 'GET /api/journal/2026/12/01/messages': { body: [reply()] } });
      render(ChatView, { reference: '2026/12/01', isToday: false });
      await screen.findByRole('article');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(screen.getByRole('region', { name: 'Messages' }).scrollTop).toBe(0);
      expect(screen.getByText('You can not chat with past journals.', { ignore: '.sr-only' })).toBeVisible();
    });
  });

  it('streams a reply into the page and re-enables the composer', async () => {
    stubFetch({ [`GET /api/journal/${TODAY}/messages`]: { body: [] }, 'POST /api/chat/message': { body: { stream_id: 's1' } } });
    const user = userEvent.setup();
    render(ChatView, { reference: TODAY, isToday: true });
    const input = await screen.findByLabelText('Type your message');
    await waitFor(() => expect(input).toBeEnabled());
    await user.type(input, 'Where is Anna?{Enter}');
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(1));
    expect(screen.getByText('Where is Anna?')).toBeInTheDocument();
    expect(input).toBeDisabled();
    const source = MockEventSource.latest();
    source.emit('tool_call', { tool_call_id: 'c1', title: 'Knowledge search', description: 'Searching your notes' }, '1-0');
    source.emit('message_chunk', { text: 'In *Munich*.' }, '2-0');
    expect(await screen.findByText('Munich')).toBeInTheDocument();
    expect(screen.getByText('(running)')).toBeInTheDocument();
    source.emit('done', { reason: 'complete' }, '3-0');
    await waitFor(() => expect(input).toBeEnabled());
    expect(screen.getByText('(interrupted)')).toBeInTheDocument();
  });
});
