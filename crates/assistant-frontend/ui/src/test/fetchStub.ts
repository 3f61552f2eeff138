// Test double of `fetch`: answers by "METHOD path" (query string included when the key has one,
// otherwise matched without it) and records every call, so tests assert what the UI sent.
import { vi } from 'vitest';

export type Reply = { status?: number; body?: unknown } | ((init: RequestInit | undefined) => { status?: number; body?: unknown });

export interface FetchCall {
  method: string;
  url: string;
  body: unknown;
}

/** Installs a fetch stub with `routes`; unknown routes answer 404. Returns the recorded calls. */
export function stubFetch(routes: Record<string, Reply>): FetchCall[] {
  const calls: FetchCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const method = init?.method ?? 'GET';
      calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const reply = routes[`${method} ${url}`] ?? routes[`${method} ${url.split('?')[0]}`];
      const resolved = typeof reply === 'function' ? reply(init) : (reply ?? { status: 404, body: { detail: 'not found' } });
      const status = resolved.status ?? 200;
      const text = resolved.body === undefined ? '' : JSON.stringify(resolved.body);
      return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}
