// Where the neighbourhood graph draws each page: a deterministic radial layout on a 100×100
// canvas. The page sits in the middle, its direct neighbours on an inner ring in title order,
// and pages two steps away on an outer ring, grouped behind the neighbour that links them.
// The same graph always gets the same picture (no physics, no randomness), which keeps the
// view stable between visits and the tests exact.
import type { Graph, GraphNode } from './types';

/** A node with its position (percent of the canvas). */
export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
}

/** An edge with both ends placed. */
export interface PlacedEdge {
  source: string;
  target: string;
  label: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A graph ready to draw. */
export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const CENTER = 50;
const round = (n: number) => Math.round(n * 100) / 100;
const byTitle = (a: GraphNode, b: GraphNode) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id);

function ring(nodes: GraphNode[], radius: number, offset: number): PlacedNode[] {
  return nodes.map((node, index) => {
    const angle = -Math.PI / 2 + offset + (2 * Math.PI * index) / nodes.length;
    return { ...node, x: round(CENTER + radius * Math.cos(angle)), y: round(CENTER + radius * Math.sin(angle)) };
  });
}

/** Lays out `graph`. */
export function layoutGraph(graph: Graph): Layout {
  const center = graph.nodes.find((node) => node.id === graph.center);
  const inner = graph.nodes.filter((node) => node.id !== graph.center && node.distance <= 1).sort(byTitle);
  const outer = graph.nodes.filter((node) => node.id !== graph.center && node.distance === 2);

  const innerIndex = new Map(inner.map((node, index) => [node.id, index]));
  const parentOf = (node: GraphNode) => {
    const parents = graph.edges
      .map((edge) => (edge.source === node.id ? edge.target : edge.target === node.id ? edge.source : null))
      .map((id) => (id === null ? undefined : innerIndex.get(id)))
      .filter((index): index is number => index !== undefined);
    return parents.length ? Math.min(...parents) : inner.length;
  };
  const sortedOuter = outer
    .map((node) => ({ node, parent: parentOf(node) }))
    .sort((a, b) => a.parent - b.parent || byTitle(a.node, b.node))
    .map((entry) => entry.node);

  const placed: PlacedNode[] = [
    ...(center ? [{ ...center, x: CENTER, y: CENTER }] : []),
    ...ring(inner, outer.length ? 24 : 34, 0),
    ...ring(sortedOuter, 43, sortedOuter.length ? Math.PI / sortedOuter.length / 2 : 0),
  ];
  const at = new Map(placed.map((node) => [node.id, node]));
  const edges: PlacedEdge[] = [];
  for (const edge of graph.edges) {
    const from = at.get(edge.source);
    const to = at.get(edge.target);
    if (from && to) edges.push({ ...edge, x1: from.x, y1: from.y, x2: to.x, y2: to.y });
  }
  return { nodes: placed, edges };
}
