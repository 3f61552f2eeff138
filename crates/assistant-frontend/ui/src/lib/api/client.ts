// The one HTTP client of the UI: same-origin `fetch` with the session cookie, JSON in and out, and
// errors as `ApiError` carrying the status and the backend's `{"detail"}` text. A 401 from any
// call tells the listeners registered with `onSignedOut`, so the app returns to the sign-in form
// instead of showing a generic failure.
import type { components } from './schema';

/** Schemas of the backend's OpenAPI document, by name. */
export type Schemas = components['schemas'];

/** A failed API call: the HTTP status (0 when the network failed) and the backend's detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly url: string,
  ) {
    super(`API request failed: ${status} ${url}: ${detail}`);
    this.name = 'ApiError';
  }
}

const signedOutListeners = new Set<() => void>();

/** Calls `listener` whenever an API call answers 401; returns the unsubscribe function. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** Options of one call. */
export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** When false, a 401 does not sign the UI out (the sign-in call itself). */
  signOutOn401?: boolean;
}

/** Calls `method path` and returns the JSON body (undefined for 204). */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'the assistant backend could not be reached', path);
  }
  if (!response.ok) {
    const detail = await errorDetail(response);
    if (response.status === 401 && options.signOutOn401 !== false) {
      signedOutListeners.forEach((listener) => listener());
    }
    throw new ApiError(response.status, detail, path);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object' && 'detail' in body) {
      const detail = (body as { detail: unknown }).detail;
      return typeof detail === 'string' ? detail : JSON.stringify(detail);
    }
  } catch {
    // not JSON: fall through to the status text
  }
  return response.statusText || `HTTP ${response.status}`;
}

/** `GET path`. */
export const get = <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options);
/** `POST path` with a JSON body. */
export const post = <T>(path: string, body?: unknown, options?: RequestOptions) =>
  request<T>('POST', path, { ...options, body });
/** `PATCH path` with a JSON body. */
export const patch = <T>(path: string, body?: unknown, options?: RequestOptions) =>
  request<T>('PATCH', path, { ...options, body });
