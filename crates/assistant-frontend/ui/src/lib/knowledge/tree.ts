// Pure rules over the category tree: finding a category and its ancestors, counting pages
// below a node, and which nodes start expanded (as the original: a node with children is
// expanded when at most 8 categories lie below it).
import type { Category, Crumb } from './types';

/** Expanded nodes by category id; a missing entry means "use the default". */
export type Expansion = Record<string, boolean>;

/** The path from a root to the category `id` (both included), or null when it is not in the tree. */
export function pathTo(tree: Category[], id: string): Category[] | null {
  for (const node of tree) {
    if (node.id === id) return [node];
    const below = pathTo(node.children, id);
    if (below) return [node, ...below];
  }
  return null;
}

/** The category `id`, wherever it is in the tree. */
export function findCategory(tree: Category[], id: string): Category | null {
  return pathTo(tree, id)?.at(-1) ?? null;
}

/** The path to `id` as breadcrumbs. */
export function crumbsTo(tree: Category[], id: string): Crumb[] | null {
  return pathTo(tree, id)?.map((node) => ({ id: node.id, name: node.name })) ?? null;
}

/** Categories below `node` (not counting it). */
export function descendantCount(node: Category): number {
  return node.children.reduce((sum, child) => sum + 1 + descendantCount(child), 0);
}

/** Pages in `node` and every category below it. */
export function totalPages(node: Category): number {
  return node.children.reduce((sum, child) => sum + totalPages(child), node.pageCount);
}

/** Whether `node` is shown expanded. */
export function isExpanded(expansion: Expansion, node: Category): boolean {
  return expansion[node.id] ?? (node.children.length > 0 && descendantCount(node) <= 8);
}

/**
 * The breadcrumb of a page: the backend's own breadcrumb completed from the tree (by its leaf),
 * else the path to the page's category, else the path to the category the reader came from.
 */
export function pageCrumbs(
  tree: Category[],
  sent: Crumb[],
  categoryId: string | null,
  cameFrom: string | null,
): Crumb[] {
  const leaf = sent.at(-1);
  if (leaf) return crumbsTo(tree, leaf.id) ?? sent;
  if (categoryId) {
    const path = crumbsTo(tree, categoryId);
    if (path) return path;
  }
  return (cameFrom && crumbsTo(tree, cameFrom)) || [];
}
