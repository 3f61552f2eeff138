// Where the UI is, as a URL: the hash holds the mode and its location, so a link opens the same
// screen, back/forward work, and a new tab does not start from scratch (the original kept all of
// this in sessionStorage).
//
//   #/chat                      today's journal
//   #/chat/2026/12/07           a past journal
//   #/knowledge                 explorer overview
//   #/knowledge/category/<id>   a category
//   #/knowledge/page/<id>       a page (id URL-encoded)
//   #/knowledge/search?q=<q>    search results
//   #/ops                       the operations view (operators only)

/** A location inside the knowledge explorer. */
export type ExplorerRoute =
  | { type: 'overview' }
  | { type: 'category'; id: string }
  | { type: 'page'; id: string }
  | { type: 'search'; query: string };

/** A location of the whole app. */
export type Route =
  | { mode: 'chat'; journal: string | null }
  | { mode: 'knowledge'; explorer: ExplorerRoute }
  | { mode: 'ops' };

/** Reads a route from a location hash (`#/…`); anything unknown is today's chat. */
export function parseRoute(hash: string): Route {
  const [path = '', queryString = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const query = new URLSearchParams(queryString);
  switch (parts[0]) {
    case 'knowledge': {
      const id = parts.slice(2).map(decodeURIComponent).join('/');
      if (parts[1] === 'category' && id) return { mode: 'knowledge', explorer: { type: 'category', id } };
      if (parts[1] === 'page' && id) return { mode: 'knowledge', explorer: { type: 'page', id } };
      if (parts[1] === 'search') return { mode: 'knowledge', explorer: { type: 'search', query: query.get('q') ?? '' } };
      return { mode: 'knowledge', explorer: { type: 'overview' } };
    }
    case 'ops':
      return { mode: 'ops' };
    case 'chat': {
      const journal = parts.slice(1).join('/');
      return { mode: 'chat', journal: /^\d{4}\/\d{2}\/\d{2}$/.test(journal) ? journal : null };
    }
    default:
      return { mode: 'chat', journal: null };
  }
}

/** The hash of a route (the inverse of `parseRoute`). */
export function routeHash(route: Route): string {
  switch (route.mode) {
    case 'chat':
      return route.journal ? `#/chat/${route.journal}` : '#/chat';
    case 'ops':
      return '#/ops';
    case 'knowledge': {
      const explorer = route.explorer;
      switch (explorer.type) {
        case 'overview':
          return '#/knowledge';
        case 'category':
          return `#/knowledge/category/${encodeURIComponent(explorer.id)}`;
        case 'page':
          return `#/knowledge/page/${encodeURIComponent(explorer.id)}`;
        case 'search':
          return `#/knowledge/search?q=${encodeURIComponent(explorer.query)}`;
      }
    }
  }
}
