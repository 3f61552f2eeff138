import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import { ApiError } from '../api/client';
import { fetchGraph, fetchPage, patchBlock, searchPages, startUpdate } from './api';

afterEach(() => vi.unstubAllGlobals());

function sentHeaders(index = 0): Record<string, string> {
  const init = vi.mocked(fetch).mock.calls[index]?.[1];
  return (init?.headers ?? {}) as Record<string, string>;
}

describe('knowledge api', () => {
  it('encodes page ids that contain a slash', async () => {
    const calls = stubFetch({ 'GET /api/knowledge/page/a%2Fb': { body: { id: 'a/b', title: 'AB' } } });
    const page = await fetchPage('a/b');
    expect(page.title).toBe('AB');
    expect(calls[0]?.url).toBe('/api/knowledge/page/a%2Fb');
  });

  it('sends a block edit with the page version as If-Match', async () => {
    const calls = stubFetch({
      'PATCH /api/knowledge/page/p1': { body: { page_id: 'p1', updated_block_ids: ['b1'], updated_block_count: 1, status: 'updated', version: 'v2' } },
    });
    const patched = await patchBlock('p1', 'b1', 'new text', 'v1');
    expect(calls[0]?.body).toEqual({ content_blocks: [{ block_id: 'b1', markdown_content: 'new text' }] });
    expect(sentHeaders()['If-Match']).toBe('"v1"');
    expect(patched).toEqual({ updatedBlockIds: ['b1'], version: 'v2' });
  });

  it('reports a stale edit as a 409 ApiError', async () => {
    stubFetch({ 'PATCH /api/knowledge/page/p1': { status: 409, body: { detail: 'knowledge page changed since it was read' } } });
    await expect(patchBlock('p1', 'b1', 'x', 'v1')).rejects.toMatchObject({ status: 409 });
  });

  it('starts an update with or without a journal', async () => {
    const calls = stubFetch({ 'POST /api/knowledge/update': { body: { job_id: 'j1', job_ids: ['j1', 'j2'], status: 'queued' } } });
    expect(await startUpdate('2026/12/07')).toEqual(['j1', 'j2']);
    expect(await startUpdate(null)).toEqual(['j1', 'j2']);
    expect(calls.map((call) => call.body)).toEqual([{ journal_reference: '2026/12/07' }, {}]);
  });

  it('turns a refused update into an ApiError with the backend detail', async () => {
    stubFetch({ 'POST /api/knowledge/update': { status: 409, body: { detail: 'no uncommitted messages available for knowledge update' } } });
    const error = await startUpdate(null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).detail).toBe('no uncommitted messages available for knowledge update');
  });

  it('searches with the query and limit and reads the graph of a page', async () => {
    const calls = stubFetch({
      'GET /api/knowledge/search': { body: { results: [{ page_id: 'p1', title: 'Ada', match: 'name' }] } },
      'GET /api/knowledge/page/p1/graph': { body: { center: 'p1', nodes: [{ page_id: 'p1', title: 'Ada', distance: 0 }], edges: [] } },
    });
    expect((await searchPages('ada lovelace'))[0]?.title).toBe('Ada');
    expect(calls[0]?.url).toBe('/api/knowledge/search?q=ada+lovelace&limit=20');
    expect((await fetchGraph('p1')).nodes).toHaveLength(1);
    expect(calls[1]?.url).toBe('/api/knowledge/page/p1/graph?depth=1');
  });
});
