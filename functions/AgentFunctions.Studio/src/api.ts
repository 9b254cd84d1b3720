// The Studio's only door to the platform: same-origin (or config.json's apiBaseUrl) /api/v1 calls with the
// session's API key as a Bearer token. The key is never put in a URL and never logged.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Record<string, string[]>;
  [extra: string]: unknown;
}

/** A problem+json answer (or any non-2xx) as an exception: status, and the problem body when there was one. */
export class ProblemError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ProblemError';
    this.status = status;
    this.problem = problem;
  }
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

type Query = Record<string, string | number | boolean | undefined | null> | URLSearchParams;

/** The value of a response's ETag header from the last call that had one, by path (for If-Match on the next change). */
export interface WithETag<T> {
  value: T;
  etag: string | null;
}

export class Api {
  constructor(readonly baseUrl: string, private readonly key: string) {}

  url(path: string, query?: Query): string {
    const clean = path.startsWith('/') ? path : `/${path}`;
    const full = clean.startsWith('/api/') ? clean : `/api/v1${clean}`;
    const params = query instanceof URLSearchParams ? query : new URLSearchParams();
    if (query && !(query instanceof URLSearchParams)) {
      for (const [k, v] of Object.entries(query)) {
        if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
      }
    }
    const qs = params.toString();
    return `${this.baseUrl.replace(/\/$/, '')}${full}${qs ? `?${qs}` : ''}`;
  }

  async raw(path: string, init: RequestInit = {}, query?: Query): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${this.key}`);
    if (init.body !== undefined && typeof init.body === 'string' && !headers.has('Content-Type')) {
      headers.set('Content-Type', 'application/json');
    }
    return fetch(this.url(path, query), { ...init, headers, cache: 'no-store' });
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>(path, { method: 'GET' }, query);
  }

  post<T>(path: string, body?: unknown, headers?: HeadersInit): Promise<T> {
    return this.json<T>(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers });
  }

  put<T>(path: string, body?: unknown, headers?: HeadersInit): Promise<T> {
    return this.json<T>(path, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body), headers });
  }

  patch<T>(path: string, body?: unknown, headers?: HeadersInit): Promise<T> {
    return this.json<T>(path, { method: 'PATCH', body: body === undefined ? undefined : JSON.stringify(body), headers });
  }

  del<T = void>(path: string, headers?: HeadersInit): Promise<T> {
    return this.json<T>(path, { method: 'DELETE', headers });
  }

  /** GET with the answer's ETag (agents: changes need it back in If-Match). */
  async getWithETag<T>(path: string): Promise<WithETag<T>> {
    const response = await this.raw(path, { method: 'GET' });
    const value = await Api.read<T>(response);
    return { value, etag: response.headers.get('ETag') };
  }

  /** A send with the answer's ETag. */
  async sendWithETag<T>(method: string, path: string, body: unknown, ifMatch: string | null): Promise<WithETag<T>> {
    const headers: Record<string, string> = {};
    if (ifMatch) headers['If-Match'] = ifMatch;
    const response = await this.raw(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers });
    const value = await Api.read<T>(response);
    return { value, etag: response.headers.get('ETag') };
  }

  /**
   * Reads a server-sent event stream (fetch, so the key goes in a header, not the URL). Resolves when the stream ends
   * or the signal aborts; a non-2xx answer rejects with a ProblemError.
   */
  async sse(path: string, init: RequestInit, onEvent: (event: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
    const headers = new Headers(init.headers);
    headers.set('Accept', 'text/event-stream');
    let response: Response;
    try {
      response = await this.raw(path, { ...init, headers, signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    if (!response.ok) await Api.read(response);
    if (!response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = 'message';
    let data: string[] = [];
    const dispatch = () => {
      if (data.length === 0) {
        event = 'message';
        return;
      }
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: hand over the text.
      }
      onEvent(event, parsed);
      event = 'message';
      data = [];
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline: number;
        while ((newline = buffer.search(/\r?\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
          if (line === '') dispatch();
          else if (line.startsWith(':')) continue;
          else {
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'event') event = val;
            else if (name === 'data') data.push(val);
          }
        }
      }
      dispatch();
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      reader.releaseLock();
    }
  }

  private async json<T>(path: string, init: RequestInit, query?: Query): Promise<T> {
    return Api.read<T>(await this.raw(path, init, query));
  }

  static async read<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!response.ok) {
      const problem: Problem = body && typeof body === 'object'
        ? (body as Problem)
        : { title: response.statusText || `HTTP ${response.status}`, status: response.status, detail: typeof body === 'string' ? body : undefined };
      if (problem.status === undefined) problem.status = response.status;
      throw new ProblemError(response.status, problem);
    }
    return body as T;
  }
}

/** Every item of a paged list, page after page, following next_cursor. */
export async function* pages<T>(api: Api, path: string, query?: Record<string, string | number | undefined>): AsyncGenerator<T> {
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await api.get<Page<T>>(path, { ...(query ?? {}), cursor });
    for (const item of page.items) yield item;
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

/** Up to `max` items of a paged list (every page until then), for pickers. */
export async function collect<T>(api: Api, path: string, max = 1000, query?: Record<string, string | number | undefined>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages<T>(api, path, { limit: 100, ...(query ?? {}) })) {
    items.push(item);
    if (items.length >= max) break;
  }
  return items;
}

/** The API's base URL: config.json's apiBaseUrl beside index.html when present, else the page's origin. */
export async function loadApiBaseUrl(): Promise<string> {
  try {
    const response = await fetch(new URL('config.json', document.baseURI).toString(), { cache: 'no-store' });
    if (response.ok) {
      const config = (await response.json()) as { apiBaseUrl?: string };
      if (config.apiBaseUrl) return config.apiBaseUrl;
    }
  } catch {
    // No config.json: same origin.
  }
  return window.location.origin;
}
