// Turns the backend's knowledge payloads (typed `unknown` here on purpose) into the explorer's
// types: malformed entries are dropped rather than failing the whole reply, both breadcrumb
// shapes the original backend sent are accepted, and a missing optional field becomes a
// neutral value. Every field name read from our backend's replies is checked against the
// generated schema (`field<S>`, see `api/json.ts`). Pure functions only; the HTTP calls live in
// `api.ts`.
import type { Schemas } from '../api/client';
import { field, isObject, untypedField } from '../api/json';
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
  Patched,
  SearchResult,
} from './types';

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const nonEmpty = (value: unknown): string | null => {
  const found = text(value)?.trim();
  return found ? found : null;
};
const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

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

type CategorySchema = Schemas['Category'];

function category(value: unknown): Category | null {
  const id = nonEmpty(field<CategorySchema>(value, 'category_id'));
  if (!id) return null;
  return {
    id,
    name: nonEmpty(field<CategorySchema>(value, 'display_name')) ?? id,
    pageCount: count(field<CategorySchema>(value, 'page_count')) ?? 0,
    children: keep(field<CategorySchema>(value, 'sub_categories'), category),
  };
}

/** `GET /api/knowledge/category`. */
export function categories(body: unknown): Category[] {
  return keep(field<Schemas['Categories']>(body, 'categories'), category);
}

/** A listed page (`PageSummary`, keyed `id`) or a page's link (`Link`, keyed `page_id`). */
function pageSummary(value: unknown): PageSummary | null {
  const id = nonEmpty(field<Schemas['PageSummary']>(value, 'id')) ?? nonEmpty(field<Schemas['Link']>(value, 'page_id'));
  if (!id) return null;
  type Either = Schemas['PageSummary'] | Schemas['Link'];
  return { id, title: nonEmpty(field<Either>(value, 'title')) ?? id, summary: text(field<Either>(value, 'summary')) ?? '' };
}

/** `GET /api/knowledge/category/{id}/pages`. */
export function categoryPages(body: unknown): CategoryPages {
  type Reply = Schemas['CategoryPages'];
  return {
    pages: keep(field<Reply>(body, 'knowledge_pages'), pageSummary),
    totalCount: count(field<Reply>(body, 'total_count')),
    nextPageToken: nonEmpty(field<Reply>(body, 'next_page_token')),
  };
}

// Breadcrumbs exist only in the original backend's page shapes (our `Page` has none), so their
// keys are untyped.
function crumb(value: unknown): Crumb | null {
  const id = nonEmpty(untypedField(value, 'category_id')) ?? nonEmpty(untypedField(value, 'id'));
  if (!id) return null;
  return { id, name: nonEmpty(untypedField(value, 'display_name')) ?? nonEmpty(untypedField(value, 'name')) ?? id };
}

/** A breadcrumb as a list of crumbs, or as `{path: [...]}` (the original backend's shapes). */
export function breadcrumb(value: unknown): Crumb[] {
  return keep(Array.isArray(value) ? value : untypedField(value, 'path'), crumb);
}

function block(value: unknown): ContentBlock | null {
  const id = nonEmpty(field<Schemas['ContentBlock']>(value, 'block_id'));
  // `markdown_content`: the original backend's block shape only.
  const markdown = text(field<Schemas['ContentBlock']>(value, 'markdown')) ?? text(untypedField(value, 'markdown_content'));
  return id && markdown !== null ? { id, markdown } : null;
}

function properties(value: unknown): [string, string][] {
  if (!isObject(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

/** `GET /api/knowledge/page/{id}`; null when the body is not a page at all. */
export function page(body: unknown): Page | null {
  type Reply = Schemas['Page'];
  type Metadata = Schemas['Metadata'];
  const id = nonEmpty(field<Reply>(body, 'id'));
  if (!id) return null;
  const metadata = field<Reply>(body, 'metadata');
  return {
    id,
    title: nonEmpty(field<Reply>(body, 'title')) ?? id,
    summary: text(field<Reply>(body, 'summary')) ?? '',
    categoryId: nonEmpty(field<Reply>(body, 'category_id')),
    // Top-level `created_at`/`updated_at`: the original backend's page shape only.
    createdAt: timestamp(field<Metadata>(metadata, 'created_at')) ?? timestamp(untypedField(body, 'created_at')),
    updatedAt: timestamp(field<Metadata>(metadata, 'updated_at')) ?? timestamp(untypedField(body, 'updated_at')),
    properties: properties(field<Reply>(body, 'properties')),
    blocks: keep(field<Reply>(body, 'content_blocks'), block),
    links: keep(field<Reply>(body, 'links'), pageSummary),
    // `category_breadcrumb`: the original backend's page shape only.
    breadcrumb: breadcrumb(untypedField(body, 'category_breadcrumb')),
    version: text(field<Reply>(body, 'version')) ?? '',
  };
}

/** The reply of a block edit (`PATCH /api/knowledge/page/{id}`). */
export function patched(body: unknown): Patched {
  type Reply = Schemas['Patched'];
  return {
    updatedBlockIds: keep(field<Reply>(body, 'updated_block_ids'), text),
    version: text(field<Reply>(body, 'version')) ?? '',
  };
}

function matchKind(value: unknown): MatchKind {
  return value === 'name' ? 'name' : 'meaning';
}

function searchResult(value: unknown): SearchResult | null {
  type Result = Schemas['SearchResult'];
  const pageId = nonEmpty(field<Result>(value, 'page_id'));
  if (!pageId) return null;
  const score = field<Result>(value, 'score');
  return {
    pageId,
    title: nonEmpty(field<Result>(value, 'title')) ?? pageId,
    summary: text(field<Result>(value, 'summary')) ?? '',
    categoryId: nonEmpty(field<Result>(value, 'category_id')),
    match: matchKind(field<Result>(value, 'match')),
    score: typeof score === 'number' && Number.isFinite(score) ? score : 0,
    snippet: nonEmpty(field<Result>(value, 'snippet')),
  };
}

/** `GET /api/knowledge/search`, one result per page (the first wins). */
export function searchResults(body: unknown): SearchResult[] {
  const seen = new Set<string>();
  return keep(field<Schemas['SearchResults']>(body, 'results'), searchResult).filter((result) => {
    if (seen.has(result.pageId)) return false;
    seen.add(result.pageId);
    return true;
  });
}

function graphNode(value: unknown): GraphNode | null {
  type Node = Schemas['GraphNode'];
  const id = nonEmpty(field<Node>(value, 'page_id'));
  const distance = field<Node>(value, 'distance');
  if (!id || (distance !== 0 && distance !== 1 && distance !== 2)) return null;
  return { id, title: nonEmpty(field<Node>(value, 'title')) ?? id, categoryId: nonEmpty(field<Node>(value, 'category_id')), distance };
}

function graphEdge(value: unknown): GraphEdge | null {
  type Edge = Schemas['GraphEdge'];
  const source = nonEmpty(field<Edge>(value, 'source'));
  const target = nonEmpty(field<Edge>(value, 'target'));
  return source && target ? { source, target, label: text(field<Edge>(value, 'label')) ?? '' } : null;
}

/**
 * `GET /api/knowledge/page/{id}/graph`: one node per page, the center always present at
 * distance 0, and only the edges whose both ends are nodes.
 */
export function graph(body: unknown, pageId: string): Graph {
  type Reply = Schemas['Graph'];
  const center = nonEmpty(field<Reply>(body, 'center')) ?? pageId;
  const nodes = new Map<string, GraphNode>();
  for (const node of keep(field<Reply>(body, 'nodes'), graphNode)) {
    if (!nodes.has(node.id)) nodes.set(node.id, node.id === center ? { ...node, distance: 0 } : node);
  }
  if (!nodes.has(center)) nodes.set(center, { id: center, title: center, categoryId: null, distance: 0 });
  const edges = keep(field<Reply>(body, 'edges'), graphEdge).filter(
    (edge) => edge.source !== edge.target && nodes.has(edge.source) && nodes.has(edge.target),
  );
  return { center, nodes: [...nodes.values()], edges };
}

/** The job ids of `POST /api/knowledge/update`, `job_id` first. */
export function updateJobIds(body: unknown): string[] {
  const ids = keep(field<Schemas['UpdateResponse']>(body, 'job_ids'), nonEmpty);
  const first = nonEmpty(field<Schemas['UpdateResponse']>(body, 'job_id'));
  if (first && !ids.includes(first)) ids.unshift(first);
  return ids;
}

/**
 * A watch `status` (or `done`) event; null when it does not have the documented shape. The
 * OpenAPI document describes SSE events only in prose (no schema), so these keys are untyped.
 */
export function jobStatus(value: unknown): JobStatus | null {
  const jobId = nonEmpty(untypedField(value, 'job_id'));
  const state = nonEmpty(untypedField(value, 'state'));
  if (!jobId || !state) return null;
  return {
    jobId,
    state,
    attempt: count(untypedField(value, 'attempt')) ?? 0,
    detail: text(untypedField(value, 'detail')) ?? '',
    terminal: untypedField(value, 'terminal') === true,
  };
}
