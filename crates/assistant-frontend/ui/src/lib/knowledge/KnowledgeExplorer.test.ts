import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import type { ExplorerRoute } from '../routes';
import { formatDateTime } from './datetime';
import KnowledgeExplorer from './KnowledgeExplorer.svelte';

afterEach(() => vi.unstubAllGlobals());

const TREE = {
  categories: [
    {
      category_id: 'person',
      display_name: 'Person',
      page_count: 1,
      sub_categories: [{ category_id: 'friend', display_name: 'Friend', page_count: 2, sub_categories: [] }],
    },
    { category_id: 'place', display_name: 'Place', page_count: 0, sub_categories: [] },
  ],
};

const PAGE = {
  id: 'ada',
  title: 'Ada Lovelace',
  category_id: 'friend',
  metadata: { created_at: '2026-12-01T09:05:00Z', updated_at: null },
  properties: { born: '1815' },
  links: [{ page_id: 'babbage', title: 'Charles Babbage', summary: 'engine builder' }],
  content_blocks: [{ block_id: 'b1', markdown: 'Wrote the **first** program.' }],
  version: 'v1',
};

function setup(route: ExplorerRoute, routes: Parameters<typeof stubFetch>[0] = {}) {
  const calls = stubFetch({
    'GET /api/knowledge/category': { body: TREE },
    'GET /api/knowledge/category/person/pages': { body: { knowledge_pages: [{ id: 'ada', title: 'Ada Lovelace', summary: 'mathematician' }], total_count: 3 } },
    'GET /api/knowledge/category/place/pages': { body: { knowledge_pages: [], total_count: 0 } },
    'GET /api/knowledge/category/friend/pages': { body: { knowledge_pages: [], total_count: 0, next_page_token: null } },
    'GET /api/knowledge/page/ada': { body: PAGE },
    'GET /api/knowledge/page/ada/graph': { body: { center: 'ada', nodes: [{ page_id: 'ada', title: 'Ada Lovelace', distance: 0 }], edges: [] } },
    ...routes,
  });
  const navigate = vi.fn();
  render(KnowledgeExplorer, { route, navigate });
  return { navigate, calls };
}

describe('KnowledgeExplorer', () => {
  it('shows root categories with counts and previews, and opens them', async () => {
    const { navigate } = setup({ type: 'overview' });
    const person = await screen.findByRole('button', { name: /Person/ });
    expect(await screen.findByText('(3)')).toBeInTheDocument();
    expect(await screen.findByText('No pages yet.')).toBeInTheDocument();
    await fireEvent.click(person);
    expect(navigate).toHaveBeenCalledWith({ type: 'category', id: 'person' });
    await fireEvent.click(await screen.findByRole('button', { name: /Ada Lovelace/ }));
    expect(navigate).toHaveBeenCalledWith({ type: 'page', id: 'ada' });
  });

  it('says so when the tree is empty or cannot be loaded', async () => {
    setup({ type: 'overview' }, { 'GET /api/knowledge/category': { body: { categories: [] } } });
    expect(await screen.findByText(/No knowledge categories yet/)).toBeInTheDocument();
    vi.unstubAllGlobals();
    document.body.innerHTML = '';
    setup({ type: 'overview' }, { 'GET /api/knowledge/category': { status: 502, body: { detail: 'x' } } });
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load knowledge categories.');
  });

  it('shows a category with breadcrumbs, its subtree and its pages', async () => {
    const { navigate } = setup({ type: 'category', id: 'friend' });
    const crumbs = await screen.findByRole('navigation', { name: 'Knowledge breadcrumbs' });
    await fireEvent.click(within(crumbs).getByRole('button', { name: 'Person' }));
    expect(navigate).toHaveBeenCalledWith({ type: 'category', id: 'person' });
    expect(within(crumbs).getByText('Friend')).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByText('No pages in this category.')).toBeInTheDocument();
  });

  it('collapses and expands the subtree', async () => {
    setup({ type: 'category', id: 'person' });
    const tree = await screen.findByRole('navigation', { name: 'Category tree' });
    expect(within(tree).getByRole('button', { name: /Friend/ })).toBeInTheDocument();
    await fireEvent.click(within(tree).getByRole('button', { name: 'Collapse Person' }));
    expect(within(tree).queryByRole('button', { name: /Friend/ })).not.toBeInTheDocument();
    await fireEvent.click(within(tree).getByRole('button', { name: 'Expand Person' }));
    expect(within(tree).getByRole('button', { name: /Friend/ })).toBeInTheDocument();
  });

  it('says when a category does not exist', async () => {
    setup({ type: 'category', id: 'nope' });
    expect(await screen.findByText('Category not found.')).toBeInTheDocument();
  });

  it('shows a page with its path, times, properties, blocks and related pages', async () => {
    const { navigate } = setup({ type: 'page', id: 'ada' });
    // Focus lands on the new page's title rather than being lost with the clicked card.
    expect(await screen.findByRole('heading', { name: 'Ada Lovelace', level: 2 })).toHaveFocus();
    expect(screen.getByText(`Created ${formatDateTime('2026-12-01T09:05:00Z')} · Updated —`)).toBeInTheDocument();
    expect(screen.getByText('born').nextElementSibling).toHaveTextContent('1815');
    expect(screen.getByText('first').tagName).toBe('STRONG');
    const crumbs = await screen.findByRole('navigation', { name: 'Knowledge breadcrumbs' });
    expect(await within(crumbs).findByRole('button', { name: 'Friend' })).toBeInTheDocument();
    await fireEvent.click(screen.getByRole('button', { name: /Charles Babbage/ }));
    expect(navigate).toHaveBeenCalledWith({ type: 'page', id: 'babbage' });
  });

  it('says when a page cannot be loaded', async () => {
    setup({ type: 'page', id: 'ada' }, { 'GET /api/knowledge/page/ada': { status: 502, body: { detail: 'x' } } });
    expect(await screen.findByText('Could not load knowledge page.')).toBeInTheDocument();
  });

  it('searches from the search box and lists name and meaning matches', async () => {
    const { navigate, calls } = setup(
      { type: 'search', query: 'engine' },
      {
        'GET /api/knowledge/search': {
          body: {
            query: 'engine',
            results: [
              { page_id: 'babbage', title: 'Charles Babbage', match: 'name', score: 1, snippet: null, summary: 'engine builder' },
              { page_id: 'ada', title: 'Ada Lovelace', match: 'meaning', score: 0.5, snippet: 'notes on the analytical engine' },
            ],
          },
        },
      },
    );
    const results = await screen.findByRole('list', { name: 'Search results' });
    expect(calls.some((call) => call.url === '/api/knowledge/search?q=engine&limit=20')).toBe(true);
    const items = within(results).getAllByRole('button');
    expect(items[0]).toHaveTextContent('Name match');
    expect(items[1]).toHaveTextContent('Meaning match');
    expect(items[1]).toHaveTextContent('notes on the analytical engine');
    await fireEvent.click(items[1]!);
    expect(navigate).toHaveBeenCalledWith({ type: 'page', id: 'ada' });

    const box = screen.getByRole('searchbox', { name: 'Search knowledge' });
    expect(box).toHaveValue('engine');
    await fireEvent.input(box, { target: { value: 'lovelace ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(navigate).toHaveBeenCalledWith({ type: 'search', query: 'lovelace' });
  });

  it('says when nothing matches', async () => {
    setup({ type: 'search', query: 'zzz' }, { 'GET /api/knowledge/search': { body: { query: 'zzz', results: [] } } });
    expect(await screen.findByText('No pages match “zzz”.')).toBeInTheDocument();
  });
});
