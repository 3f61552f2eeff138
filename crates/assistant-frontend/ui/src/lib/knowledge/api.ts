// The knowledge explorer's HTTP calls: each fetches through the shared client (`api/client.ts`,
// which turns failures into `ApiError`) and hands the reply to `normalise.ts`. Ids go into paths
// URL-encoded, since page ids may contain `/`.
import { ApiError, get, patch, post, type Schemas } from '../api/client';
import * as normalise from './normalise';
import type { Category, CategoryPages, Graph, Page, Patched, SearchResult } from './types';

const enc = encodeURIComponent;

/** The category tree. */
export async function fetchCategories(): Promise<Category[]> {
  return normalise.categories(await get<unknown>('/api/knowledge/category'));
}

/** One batch of a category's pages (`pageToken` from the previous batch). */
export async function fetchCategoryPages(
  categoryId: string,
  options: { pageSize?: number; pageToken?: string | null } = {},
): Promise<CategoryPages> {
  const query = new URLSearchParams();
  if (options.pageSize) query.set('page_size', String(options.pageSize));
  if (options.pageToken) query.set('page_token', options.pageToken);
  const suffix = query.toString() ? `?${query}` : '';
  return normalise.categoryPages(await get<unknown>(`/api/knowledge/category/${enc(categoryId)}/pages${suffix}`));
}

/** A page; an `ApiError` when it is missing or the reply is not a page. */
export async function fetchPage(pageId: string): Promise<Page> {
  const path = `/api/knowledge/page/${enc(pageId)}`;
  const found = normalise.page(await get<unknown>(path));
  if (!found) throw new ApiError(502, 'the knowledge page reply was malformed', path);
  return found;
}

/**
 * Replaces one block's text. With a `version` the write only happens if the page still has it
 * (`If-Match`); a page changed meanwhile answers 409 and nothing is written.
 */
export async function patchBlock(pageId: string, blockId: string, markdown: string, version: string): Promise<Patched> {
  const headers: Record<string, string> = version ? { 'If-Match': `"${version}"` } : {};
  const request: Schemas['PatchRequest'] = { content_blocks: [{ block_id: blockId, markdown_content: markdown }] };
  return normalise.patched(await patch<unknown>(`/api/knowledge/page/${enc(pageId)}`, request, { headers }));
}

/** Pages matching `query` by name first, then by meaning. */
export async function searchPages(query: string, limit = 20): Promise<SearchResult[]> {
  const params = new URLSearchParams({ q: query, limit: String(limit) });
  return normalise.searchResults(await get<unknown>(`/api/knowledge/search?${params}`));
}

/** The neighbourhood of a page. */
export async function fetchGraph(pageId: string, depth: 1 | 2 = 1): Promise<Graph> {
  return normalise.graph(await get<unknown>(`/api/knowledge/page/${enc(pageId)}/graph?depth=${depth}`), pageId);
}

/** Starts a knowledge update (of one journal, or of all); the enqueued job ids, first first. */
export async function startUpdate(journalReference: string | null): Promise<string[]> {
  const body: Schemas['UpdateRequest'] = journalReference ? { journal_reference: journalReference } : {};
  const ids = normalise.updateJobIds(await post<unknown>('/api/knowledge/update', body));
  if (!ids.length) throw new ApiError(502, 'the update reply named no job', '/api/knowledge/update');
  return ids;
}

/** The URL of a job's watch stream. */
export const watchUrl = (jobId: string) => `/api/knowledge/update/${enc(jobId)}/watch`;
