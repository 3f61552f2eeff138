import { describe, expect, it } from 'vitest';
import * as normalise from './normalise';

describe('knowledge payload normalisation', () => {
  it('keeps well-formed categories and drops entries without an id', () => {
    const tree = normalise.categories({
      categories: [
        { category_id: 'person', display_name: 'Person', page_count: 2, sub_categories: [{ display_name: 'broken' }, { category_id: 'friend', page_count: 'x' }] },
        { display_name: 'no id' },
        'garbage',
      ],
    });
    expect(tree).toEqual([
      { id: 'person', name: 'Person', pageCount: 2, children: [{ id: 'friend', name: 'friend', pageCount: 0, children: [] }] },
    ]);
  });

  it('reads a page, its blocks and properties, and drops malformed ones', () => {
    const page = normalise.page({
      id: 'p1',
      title: 'Ada',
      category_id: 'person',
      metadata: { created_at: '2026-12-01T10:00:00Z[Europe/Berlin]', updated_at: 'not a date' },
      updated_at: '2026-12-02T11:00:00Z',
      properties: { born: '1815', weight: 3, nested: { a: 1 } },
      content_blocks: [{ block_id: 'b1', markdown: 'hello' }, { block_id: '', markdown: 'no id' }, { block_id: 'b2' }],
      links: [{ page_id: 'p2', title: 'Babbage', summary: null }, { title: 'no id' }],
      version: 'v7',
    });
    expect(page).toMatchObject({
      id: 'p1',
      createdAt: '2026-12-01T10:00:00Z',
      updatedAt: '2026-12-02T11:00:00Z',
      properties: [['born', '1815']],
      blocks: [{ id: 'b1', markdown: 'hello' }],
      links: [{ id: 'p2', title: 'Babbage', summary: '' }],
      version: 'v7',
    });
    expect(normalise.page({ title: 'no id' })).toBeNull();
  });

  it('accepts both breadcrumb shapes', () => {
    expect(normalise.breadcrumb([{ category_id: 'a', display_name: 'A' }, { id: 'b', name: 'B' }])).toEqual([
      { id: 'a', name: 'A' },
      { id: 'b', name: 'B' },
    ]);
    expect(normalise.breadcrumb({ path: [{ id: 'c', name: 'C' }, { name: 'no id' }] })).toEqual([{ id: 'c', name: 'C' }]);
    expect(normalise.breadcrumb(null)).toEqual([]);
  });

  it('keeps one search result per page and reads the match kind', () => {
    const results = normalise.searchResults({
      results: [
        { page_id: 'p1', title: 'Ada', match: 'name', score: 1, snippet: null },
        { page_id: 'p1', title: 'Ada again', match: 'meaning', score: 0.4, snippet: 'x' },
        { page_id: 'p2', title: 'Notes', match: 'meaning', score: 0.3, snippet: 'about engines' },
        { title: 'no id' },
      ],
    });
    expect(results.map((r) => [r.pageId, r.match, r.snippet])).toEqual([
      ['p1', 'name', null],
      ['p2', 'meaning', 'about engines'],
    ]);
  });

  it('keeps only graph edges between known nodes and always has the center', () => {
    const graph = normalise.graph(
      {
        nodes: [{ page_id: 'b', title: 'B', distance: 1 }, { page_id: 'x', distance: 5 }],
        edges: [{ source: 'a', target: 'b', label: 'knows' }, { source: 'a', target: 'x', label: 'gone' }, { source: 'b', target: 'b' }],
      },
      'a',
    );
    expect(graph.center).toBe('a');
    expect(graph.nodes.map((n) => [n.id, n.distance])).toEqual([
      ['b', 1],
      ['a', 0],
    ]);
    expect(graph.edges).toEqual([{ source: 'a', target: 'b', label: 'knows' }]);
  });

  it('reads a block edit reply, dropping ids that are not text', () => {
    expect(normalise.patched({ page_id: 'p1', status: 'updated', updated_block_ids: ['b1', 7], version: 'v2' })).toEqual({
      updatedBlockIds: ['b1'],
      version: 'v2',
    });
    expect(normalise.patched(undefined)).toEqual({ updatedBlockIds: [], version: '' });
  });

  it('reads update job ids first-first and rejects malformed watch statuses', () => {
    expect(normalise.updateJobIds({ job_id: 'j1', job_ids: ['j1', 'j2', 4] })).toEqual(['j1', 'j2']);
    expect(normalise.updateJobIds({ job_id: 'j1' })).toEqual(['j1']);
    expect(normalise.jobStatus({ job_id: 'j1', state: 'STARTED', detail: 'step 1/11', terminal: false, attempt: 1 })).toEqual({
      jobId: 'j1',
      state: 'STARTED',
      attempt: 1,
      detail: 'step 1/11',
      terminal: false,
    });
    expect(normalise.jobStatus({ state: 'STARTED' })).toBeNull();
  });
});
