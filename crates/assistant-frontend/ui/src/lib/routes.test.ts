import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, type Route } from './routes';

describe('routes', () => {
  it('reads every kind of location', () => {
    expect(parseRoute('')).toEqual({ mode: 'chat', journal: null });
    expect(parseRoute('#/chat')).toEqual({ mode: 'chat', journal: null });
    expect(parseRoute('#/chat/2026/12/01')).toEqual({ mode: 'chat', journal: '2026/12/01' });
    expect(parseRoute('#/knowledge')).toEqual({ mode: 'knowledge', explorer: { type: 'overview' } });
    expect(parseRoute('#/knowledge/category/node.person')).toEqual({ mode: 'knowledge', explorer: { type: 'category', id: 'node.person' } });
    expect(parseRoute('#/knowledge/search?q=anna%20m')).toEqual({ mode: 'knowledge', explorer: { type: 'search', query: 'anna m' } });
    expect(parseRoute('#/ops')).toEqual({ mode: 'ops' });
  });

  it('falls back to today for unknown or malformed locations', () => {
    expect(parseRoute('#/nowhere')).toEqual({ mode: 'chat', journal: null });
    expect(parseRoute('#/chat/yesterday')).toEqual({ mode: 'chat', journal: null });
    expect(parseRoute('#/knowledge/page/')).toEqual({ mode: 'knowledge', explorer: { type: 'overview' } });
  });

  it('round-trips page ids that contain slashes and spaces', () => {
    const route: Route = { mode: 'knowledge', explorer: { type: 'page', id: 'people/Anna Meyer' } };
    const hash = routeHash(route);
    expect(hash).toBe('#/knowledge/page/people%2FAnna%20Meyer');
    expect(parseRoute(hash)).toEqual(route);
  });

  it('round-trips every route', () => {
    const routes: Route[] = [
      { mode: 'chat', journal: null },
      { mode: 'chat', journal: '2026/01/31' },
      { mode: 'knowledge', explorer: { type: 'overview' } },
      { mode: 'knowledge', explorer: { type: 'category', id: 'a/b' } },
      { mode: 'knowledge', explorer: { type: 'search', query: 'x & y?' } },
      { mode: 'ops' },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });
});
