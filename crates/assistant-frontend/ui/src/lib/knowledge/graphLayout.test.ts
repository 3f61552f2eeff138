import { describe, expect, it } from 'vitest';
import { layoutGraph } from './graphLayout';
import type { Graph } from './types';

const graph: Graph = {
  center: 'c',
  nodes: [
    { id: 'z', title: 'Zed', categoryId: null, distance: 1 },
    { id: 'c', title: 'Center', categoryId: null, distance: 0 },
    { id: 'a', title: 'Alpha', categoryId: null, distance: 1 },
    { id: 'far', title: 'Far', categoryId: null, distance: 2 },
  ],
  edges: [
    { source: 'c', target: 'a', label: 'knows' },
    { source: 'c', target: 'z', label: 'likes' },
    { source: 'z', target: 'far', label: 'owns' },
  ],
};

describe('graph layout', () => {
  it('puts the page in the middle and its neighbours on a ring in title order', () => {
    const layout = layoutGraph(graph);
    const at = Object.fromEntries(layout.nodes.map((node) => [node.id, [node.x, node.y]]));
    expect(at.c).toEqual([50, 50]);
    // Alpha first, at the top of the inner ring; Zed opposite it.
    expect(at.a).toEqual([50, 26]);
    expect(at.z).toEqual([50, 74]);
    // The outer node is farther from the middle than any neighbour.
    const [fx = 0, fy = 0] = at.far ?? [];
    expect(Math.hypot(fx - 50, fy - 50)).toBeCloseTo(43, 1);
  });

  it('gives the same picture whatever order the nodes arrive in', () => {
    const shuffled: Graph = { ...graph, nodes: [...graph.nodes].reverse(), edges: [...graph.edges].reverse() };
    const positions = (g: Graph) =>
      layoutGraph(g)
        .nodes.map((node) => `${node.id}:${node.x},${node.y}`)
        .sort();
    expect(positions(shuffled)).toEqual(positions(graph));
  });

  it('draws each edge between its placed ends', () => {
    const edge = layoutGraph(graph).edges.find((e) => e.label === 'knows');
    expect(edge).toMatchObject({ x1: 50, y1: 50, x2: 50, y2: 26 });
  });
});
