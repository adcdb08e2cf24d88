// HTTP client for the churnwatch REST API. The access token lives in this
// module's memory only (never in storage). The refresh token is an HttpOnly
// cookie the script cannot read, scoped to /api/v1/auth: a reload or an
// expired access token is recovered by POST /api/v1/auth/refresh, which
// rotates the cookie and returns a new access token.
import type { components } from './schema';

export type Problem = components['schemas']['Problem'];
export type FieldError = NonNullable<Problem['errors']>[number];
export type User = components['schemas']['User'];
export type Role = components['schemas']['Role'];
export type Attribute = components['schemas']['Attribute'];
export type DatasetSchema = components['schemas']['DatasetSchema'];
export type Customer = components['schemas']['Customer'];
export type CustomerPage = components['schemas']['CustomerPage'];
export type ImportResult = components['schemas']['ImportResult'];
export type LoginResponse = components['schemas']['LoginResponse'];

/** A failed request: the problem document the server sent, or one made up from the status. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }

  /** First message per field, for showing beside form inputs. */
  byField(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.fieldErrors) if (e.field && !(e.field in out)) out[e.field] = e.message;
    return out;
  }
}

/** Turns any non-2xx response into an ApiError, reading problem+json when present. */
export async function parseProblem(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? '';
  const fallback: Problem = {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
  };
  if (type.includes('json')) {
    try {
      const body = (await response.json()) as Partial<Problem>;
      if (body && typeof body === 'object') {
        return new ApiError({
          ...fallback,
          ...body,
          status: typeof body.status === 'number' ? body.status : response.status,
          title: body.title || fallback.title,
          errors: Array.isArray(body.errors) ? body.errors : undefined,
        });
      }
    } catch {
      /* a body that is not JSON: keep the fallback */
    }
  }
  return new ApiError(fallback);
}

let accessToken: string | null = null;
let onUnauthorized: (() => void) | null = null;
let refreshing: Promise<LoginResponse | null> | null = null;

export function setAccessToken(token: string | null) {
  accessToken = token;
}
export function getAccessToken() {
  return accessToken;
}
/** Called when the server answers 401 to an authenticated request (expired or revoked token). */
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
  /** Sent as Idempotency-Key: a repeated request with the same key gets the first request's job. */
  idempotencyKey?: string;
}

/**
 * Exchanges the session cookie for a new access token (and a rotated cookie).
 * Concurrent callers share one request: the server revokes a whole sign-in
 * when one refresh token is presented twice, so two parallel refreshes would
 * sign the user out. Resolves to null when there is no valid session.
 */
export function refreshSession(): Promise<LoginResponse | null> {
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (!response.ok) {
        // Read the problem body so the request completes (an unread body
        // keeps it open in the browser).
        await response.text();
        return null;
      }
      const session = (await response.json()) as LoginResponse;
      accessToken = session.access_token;
      return session;
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Ends the session on the server (revokes the refresh token, clears the cookie) and forgets the access token. */
export async function endSession(): Promise<void> {
  accessToken = null;
  try {
    const response = await fetch('/api/v1/auth/logout', { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    await response.text();
  } catch {
    /* offline: the cookie expires on its own */
  }
}

function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  let body = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.contentType) {
    headers['Content-Type'] = options.contentType;
  }
  return fetch(path, { method: options.method ?? 'GET', headers, body, signal: options.signal });
}

/**
 * Sends a request with the bearer token; returns the raw response or throws
 * ApiError. A 401 on a signed-in request (the access token expired) is
 * answered by one refresh and one retry; when the session cannot be
 * refreshed (revoked, user deactivated) the unauthorized handler signs out.
 */
export async function apiRaw(path: string, options: RequestOptions = {}): Promise<Response> {
  const sentWith = accessToken;
  let response = await send(path, options);
  if (response.status === 401 && sentWith && !path.startsWith('/api/v1/auth/')) {
    // Another request may have refreshed meanwhile; then just retry.
    if (accessToken === sentWith) await refreshSession();
    if (accessToken && accessToken !== sentWith) response = await send(path, options);
  }
  if (!response.ok) {
    const error = await parseProblem(response);
    if (response.status === 401 && accessToken !== null && onUnauthorized) onUnauthorized();
    throw error;
  }
  return response;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiRaw(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
