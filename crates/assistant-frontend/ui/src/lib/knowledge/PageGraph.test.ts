import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import PageGraph from './PageGraph.svelte';

afterEach(() => vi.unstubAllGlobals());

const GRAPH = {
  center: 'ada',
  nodes: [
    { page_id: 'ada', title: 'Ada Lovelace', category_id: 'person', distance: 0 },
    { page_id: 'babbage', title: 'Charles Babbage', category_id: 'person', distance: 1 },
    { page_id: 'engine', title: 'Analytical Engine', category_id: null, distance: 2 },
  ],
  edges: [
    { source: 'ada', target: 'babbage', label: 'worked with' },
    { source: 'babbage', target: 'engine', label: 'designed' },
  ],
};

describe('PageGraph', () => {
  it('draws one focusable button per page and opens a page on click', async () => {
    stubFetch({ 'GET /api/knowledge/page/ada/graph': { body: GRAPH } });
    const navigate = vi.fn();
    render(PageGraph, { pageId: 'ada', navigate });
    const graph = await screen.findByRole('group', { name: 'Page neighbourhood graph' });
    const nodes = within(graph).getAllByRole('button');
    expect(nodes.map((node) => node.textContent)).toEqual(['Ada Lovelace', 'Charles Babbage', 'Analytical Engine']);
    expect(within(graph).getByRole('button', { name: 'Ada Lovelace' })).toHaveAttribute('aria-current', 'page');
    expect(within(graph).getByRole('button', { name: 'Ada Lovelace' }).style.left).toBe('50%');

    await fireEvent.click(within(graph).getByRole('button', { name: 'Analytical Engine' }));
    expect(navigate).toHaveBeenCalledWith({ type: 'page', id: 'engine' });
    await fireEvent.click(within(graph).getByRole('button', { name: 'Ada Lovelace' }));
    expect(navigate).toHaveBeenCalledTimes(1);
  });

  it('names the relations of the page in focus, with their labels', async () => {
    stubFetch({ 'GET /api/knowledge/page/ada/graph': { body: GRAPH } });
    render(PageGraph, { pageId: 'ada', navigate: vi.fn() });
    await fireEvent.focus(await screen.findByRole('button', { name: 'Charles Babbage' }));
    expect(screen.getByText(/Ada Lovelace — worked with → Charles Babbage; Charles Babbage — designed → Analytical Engine/)).toBeInTheDocument();
    expect(document.querySelectorAll('line title')[1]?.textContent).toBe('designed');
  });

  it('says when the page has no neighbours or the graph cannot be loaded', async () => {
    stubFetch({ 'GET /api/knowledge/page/ada/graph': { body: { center: 'ada', nodes: [GRAPH.nodes[0]], edges: [] } } });
    render(PageGraph, { pageId: 'ada', navigate: vi.fn() });
    expect(await screen.findByText('No connected pages yet.')).toBeInTheDocument();
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
    stubFetch({ 'GET /api/knowledge/page/ada/graph': { status: 404, body: { detail: 'knowledge page not found' } } });
    render(PageGraph, { pageId: 'ada', navigate: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the page graph.');
  });
});

describe('PageGraph depth', () => {
  it('asks for pages two steps away when the reader wants them', async () => {
    const calls = stubFetch({ 'GET /api/knowledge/page/ada/graph': { body: GRAPH } });
    render(PageGraph, { pageId: 'ada', navigate: vi.fn() });
    await screen.findByRole('group', { name: 'Page neighbourhood graph' });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Show pages two steps away' }));
    await waitFor(() => expect(calls.at(-1)?.url).toBe('/api/knowledge/page/ada/graph?depth=2'));
  });
});

describe('PageGraph keyboard', () => {
  it('reaches the nodes with Tab and opens one with Enter', async () => {
    const user = userEvent.setup();
    stubFetch({ 'GET /api/knowledge/page/ada/graph': { body: GRAPH } });
    const navigate = vi.fn();
    render(PageGraph, { pageId: 'ada', navigate });
    await screen.findByRole('group', { name: 'Page neighbourhood graph' });
    await user.tab(); // the depth checkbox
    await user.tab(); // the page itself
    await user.tab();
    expect(screen.getByRole('button', { name: 'Charles Babbage' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(navigate).toHaveBeenCalledWith({ type: 'page', id: 'babbage' });
  });
});
