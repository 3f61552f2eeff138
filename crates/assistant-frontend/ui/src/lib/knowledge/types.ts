// The knowledge explorer's own view of the backend's payloads, after `normalise.ts` has checked
// them: every field here is present and of the right type, so components never guard against
// a malformed reply. (The OpenAPI types describe the wire; these describe what survived it.)

/** A node of the category tree. */
export interface Category {
  id: string;
  name: string;
  /** Pages of exactly this category (not its subcategories). */
  pageCount: number;
  children: Category[];
}

/** A page as a listing or a link shows it. */
export interface PageSummary {
  id: string;
  title: string;
  summary: string;
}

/** One batch of a category's pages. */
export interface CategoryPages {
  pages: PageSummary[];
  totalCount: number | null;
  nextPageToken: string | null;
}

/** A step of a breadcrumb path. */
export interface Crumb {
  id: string;
  name: string;
}

/** A content block of a page, as markdown. */
export interface ContentBlock {
  id: string;
  markdown: string;
}

/** A page with everything the page view shows. */
export interface Page {
  id: string;
  title: string;
  summary: string;
  categoryId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  properties: [string, string][];
  blocks: ContentBlock[];
  links: PageSummary[];
  /** The breadcrumb the backend sent, if any (the explorer falls back to the tree). */
  breadcrumb: Crumb[];
  /** The page version, sent back as `If-Match` with an edit; empty when unknown. */
  version: string;
}

/** The outcome of a block edit. */
export interface Patched {
  updatedBlockIds: string[];
  version: string;
}

/** How a search result matched. */
export type MatchKind = 'name' | 'meaning';

/** One search hit. */
export interface SearchResult {
  pageId: string;
  title: string;
  summary: string;
  categoryId: string | null;
  match: MatchKind;
  score: number;
  snippet: string | null;
}

/** A page of the neighbourhood graph. */
export interface GraphNode {
  id: string;
  title: string;
  categoryId: string | null;
  distance: 0 | 1 | 2;
}

/** A relation between two graph pages. */
export interface GraphEdge {
  source: string;
  target: string;
  label: string;
}

/** A page's neighbourhood. */
export interface Graph {
  center: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The jobs a knowledge update enqueued. */
export interface UpdateStarted {
  jobIds: string[];
}

/** One `status` event of a job watch. */
export interface JobStatus {
  jobId: string;
  state: string;
  attempt: number;
  detail: string;
  terminal: boolean;
}
