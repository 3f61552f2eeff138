import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubFetch, type Reply } from '../../test/fetchStub';
import KnowledgePage from './KnowledgePage.svelte';

afterEach(() => vi.unstubAllGlobals());

const page = (text: string, version: string) => ({
  id: 'ada',
  title: 'Ada Lovelace',
  category_id: 'person',
  metadata: { created_at: null, updated_at: null },
  properties: {},
  links: [],
  content_blocks: [{ block_id: 'b1', markdown: text }],
  version,
});

/** A reply that stays pending until the test resolves it. */
function deferred(reply: { status?: number; body?: unknown }) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { release, reply: (async () => (await gate, reply)) as unknown as Reply };
}

function renderPage(routes: Record<string, Reply>) {
  const calls = stubFetch({ 'GET /api/knowledge/page/ada/graph': { body: { center: 'ada', nodes: [], edges: [] } }, ...routes });
  render(KnowledgePage, { id: 'ada', tree: [], cameFrom: null, navigate: vi.fn() });
  return calls;
}

async function editTo(text: string) {
  await fireEvent.click(await screen.findByRole('button', { name: 'Edit block' }));
  const editor = screen.getByLabelText('Markdown editor');
  expect(editor).toHaveValue('Old text');
  await fireEvent.input(editor, { target: { value: text } });
  await fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
}

describe('block edit', () => {
  it('saves with the version, stays in edit mode until the answer, then shows the new text', async () => {
    const pending = deferred({ body: { page_id: 'ada', updated_block_ids: ['b1'], updated_block_count: 1, status: 'updated', version: 'v2' } });
    const patchReply = vi.fn(pending.reply as () => { status?: number; body?: unknown });
    renderPage({ 'GET /api/knowledge/page/ada': { body: page('Old text', 'v1') }, 'PATCH /api/knowledge/page/ada': patchReply });
    await editTo('New text');
    expect(screen.getByLabelText('Markdown editor')).toHaveAttribute('readonly');
    expect(screen.getByRole('button', { name: 'Saving…' })).toBeDisabled();
    const init = vi.mocked(fetch).mock.calls.find(([, i]) => i?.method === 'PATCH')?.[1];
    expect((init?.headers as Record<string, string>)['If-Match']).toBe('"v1"');

    pending.release();
    expect(await screen.findByRole('status')).toHaveTextContent('Block content saved successfully.');
    await waitFor(() => expect(screen.queryByLabelText('Markdown editor')).not.toBeInTheDocument());
    expect(screen.getByText('New text')).toBeInTheDocument();
  });

  it('shows the newer text when someone else changed the page (409), without overwriting it', async () => {
    let reads = 0;
    const calls = renderPage({
      'GET /api/knowledge/page/ada': () => ({ body: reads++ === 0 ? page('Old text', 'v1') : page('Their text', 'v2') }),
      'PATCH /api/knowledge/page/ada': { status: 409, body: { detail: 'knowledge page changed since it was read' } },
    });
    await editTo('My text');
    expect(await screen.findByRole('alert')).toHaveTextContent(/Someone else changed this page/);
    expect(await screen.findByText('Their text')).toBeInTheDocument();
    expect(screen.queryByText('My text')).not.toBeInTheDocument();
    expect(calls.filter((call) => call.method === 'PATCH')).toHaveLength(1);
  });

  it('restores the last saved text when the save fails', async () => {
    renderPage({
      'GET /api/knowledge/page/ada': { body: page('Old text', 'v1') },
      'PATCH /api/knowledge/page/ada': { status: 502, body: { detail: 'knowledge page block patch failed' } },
    });
    await editTo('Lost text');
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not save block content. Your last saved content was restored.');
    expect(await screen.findByText('Old text')).toBeInTheDocument();
    expect(screen.queryByText('Lost text')).not.toBeInTheDocument();
  });

  it('cancels an edit without a request', async () => {
    const calls = renderPage({ 'GET /api/knowledge/page/ada': { body: page('Old text', 'v1') } });
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit block' }));
    await fireEvent.input(screen.getByLabelText('Markdown editor'), { target: { value: 'Draft' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByText('Old text')).toBeInTheDocument();
    expect(calls.some((call) => call.method === 'PATCH')).toBe(false);
  });
});
