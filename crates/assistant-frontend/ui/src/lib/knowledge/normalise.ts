// Turns the backend's knowledge payloads (typed `unknown` here on purpose) into the explorer's
// types: malformed entries are dropped rather than failing the whole reply, both breadcrumb
// shapes the original backend sent are accepted, and a missing optional field becomes a
// neutral value. Pure functions only; the HTTP calls live in `api.ts`.
import type {
  Category,
  CategoryPages,
  ContentBlock,
  Crumb,
  Graph,
  GraphEdge,
  GraphNode,
  JobStatus,
  MatchKind,
  Page,
  PageSummary,
  SearchResult,
} from './types';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const nonEmpty = (value: unknown): string | null => {
  const found = text(value)?.trim();
  return found ? found : null;
};
const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const field = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);

/** Keeps the entries `parse` accepts. */
function keep<T>(value: unknown, parse: (entry: unknown) => T | null): T[] {
  return list(value)
    .map(parse)
    .filter((entry): entry is T => entry !== null);
}

/** `"2026-12-06T10:00:00Z[Europe/Berlin]"` → `"2026-12-06T10:00:00Z"`; null for anything else. */
export function timestamp(value: unknown): string | null {
  const raw = nonEmpty(value)?.replace(/\[[^\]]*\]$/, '');
  return raw && !Number.isNaN(Date.parse(raw)) ? raw : null;
}

function category(value: unknown): Category | null {
  const id = nonEmpty(field(value, 'category_id'));
  if (!id) return null;
  return {
    id,
    name: nonEmpty(field(value, 'display_name')) ?? id,
    pageCount: count(field(value, 'page_count')) ?? 0,
    children: keep(field(value, 'sub_categories'), category),
  };
}

/** `GET /api/knowledge/category`. */
export function categories(body: unknown): Category[] {
  return keep(field(body, 'categories'), category);
}

function pageSummary(value: unknown): PageSummary | null {
  const id = nonEmpty(field(value, 'id')) ?? nonEmpty(field(value, 'page_id'));
  if (!id) return null;
  return { id, title: nonEmpty(field(value, 'title')) ?? id, summary: text(field(value, 'summary')) ?? '' };
}

/** `GET /api/knowledge/category/{id}/pages`. */
export function categoryPages(body: unknown): CategoryPages {
  return {
    pages: keep(field(body, 'knowledge_pages'), pageSummary),
    totalCount: count(field(body, 'total_count')),
    nextPageToken: nonEmpty(field(body, 'next_page_token')),
  };
}

function crumb(value: unknown): Crumb | null {
  const id = nonEmpty(field(value, 'category_id')) ?? nonEmpty(field(value, 'id'));
  if (!id) return null;
  return { id, name: nonEmpty(field(value, 'display_name')) ?? nonEmpty(field(value, 'name')) ?? id };
}

/** A breadcrumb as a list of crumbs, or as `{path: [...]}`. */
export function breadcrumb(value: unknown): Crumb[] {
  return keep(Array.isArray(value) ? value : field(value, 'path'), crumb);
}

function block(value: unknown): ContentBlock | null {
  const id = nonEmpty(field(value, 'block_id'));
  const markdown = text(field(value, 'markdown')) ?? text(field(value, 'markdown_content'));
  return id && markdown !== null ? { id, markdown } : null;
}

function properties(value: unknown): [string, string][] {
  if (!isObject(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

/** `GET /api/knowledge/page/{id}`; null when the body is not a page at all. */
export function page(body: unknown): Page | null {
  const id = nonEmpty(field(body, 'id'));
  if (!id) return null;
  const metadata = field(body, 'metadata');
  return {
    id,
    title: nonEmpty(field(body, 'title')) ?? id,
    summary: text(field(body, 'summary')) ?? '',
    categoryId: nonEmpty(field(body, 'category_id')),
    createdAt: timestamp(field(metadata, 'created_at')) ?? timestamp(field(body, 'created_at')),
    updatedAt: timestamp(field(metadata, 'updated_at')) ?? timestamp(field(body, 'updated_at')),
    properties: properties(field(body, 'properties')),
    blocks: keep(field(body, 'content_blocks'), block),
    links: keep(field(body, 'links'), pageSummary),
    breadcrumb: breadcrumb(field(body, 'category_breadcrumb')),
    version: text(field(body, 'version')) ?? '',
  };
}

function matchKind(value: unknown): MatchKind {
  return value === 'name' ? 'name' : 'meaning';
}

function searchResult(value: unknown): SearchResult | null {
  const pageId = nonEmpty(field(value, 'page_id'));
  if (!pageId) return null;
  const score = field(value, 'score');
  return {
    pageId,
    title: nonEmpty(field(value, 'title')) ?? pageId,
    summary: text(field(value, 'summary')) ?? '',
    categoryId: nonEmpty(field(value, 'category_id')),
    match: matchKind(field(value, 'match')),
    score: typeof score === 'number' && Number.isFinite(score) ? score : 0,
    snippet: nonEmpty(field(value, 'snippet')),
  };
}

/** `GET /api/knowledge/search`, one result per page (the first wins). */
export function searchResults(body: unknown): SearchResult[] {
  const seen = new Set<string>();
  return keep(field(body, 'results'), searchResult).filter((result) => {
    if (seen.has(result.pageId)) return false;
    seen.add(result.pageId);
    return true;
  });
}

function graphNode(value: unknown): GraphNode | null {
  const id = nonEmpty(field(value, 'page_id'));
  const distance = field(value, 'distance');
  if (!id || (distance !== 0 && distance !== 1 && distance !== 2)) return null;
  return { id, title: nonEmpty(field(value, 'title')) ?? id, categoryId: nonEmpty(field(value, 'category_id')), distance };
}

function graphEdge(value: unknown): GraphEdge | null {
  const source = nonEmpty(field(value, 'source'));
  const target = nonEmpty(field(value, 'target'));
  return source && target ? { source, target, label: text(field(value, 'label')) ?? '' } : null;
}

/**
 * `GET /api/knowledge/page/{id}/graph`: one node per page, the center always present at
 * distance 0, and only the edges whose both ends are nodes.
 */
export function graph(body: unknown, pageId: string): Graph {
  const center = nonEmpty(field(body, 'center')) ?? pageId;
  const nodes = new Map<string, GraphNode>();
  for (const node of keep(field(body, 'nodes'), graphNode)) {
    if (!nodes.has(node.id)) nodes.set(node.id, node.id === center ? { ...node, distance: 0 } : node);
  }
  if (!nodes.has(center)) nodes.set(center, { id: center, title: center, categoryId: null, distance: 0 });
  const edges = keep(field(body, 'edges'), graphEdge).filter(
    (edge) => edge.source !== edge.target && nodes.has(edge.source) && nodes.has(edge.target),
  );
  return { center, nodes: [...nodes.values()], edges };
}

/** The job ids of `POST /api/knowledge/update`, `job_id` first. */
export function updateJobIds(body: unknown): string[] {
  const ids = keep(field(body, 'job_ids'), nonEmpty);
  const first = nonEmpty(field(body, 'job_id'));
  if (first && !ids.includes(first)) ids.unshift(first);
  return ids;
}

/** A watch `status` (or `done`) event; null when it does not have the documented shape. */
export function jobStatus(value: unknown): JobStatus | null {
  const jobId = nonEmpty(field(value, 'job_id'));
  const state = nonEmpty(field(value, 'state'));
  if (!jobId || !state) return null;
  return {
    jobId,
    state,
    attempt: count(field(value, 'attempt')) ?? 0,
    detail: text(field(value, 'detail')) ?? '',
    terminal: field(value, 'terminal') === true,
  };
}
