import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, getAccessToken, parseProblem, refreshSession, setAccessToken, setUnauthorizedHandler } from './client';

function jsonResponse(status: number, body: unknown, type = 'application/problem+json') {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

describe('parseProblem', () => {
  it('reads a problem+json document with field errors', async () => {
    const e = await parseProblem(
      jsonResponse(422, {
        type: '/problems/validation-error',
        title: 'Validation failed',
        status: 422,
        detail: 'the customer is not valid',
        errors: [
          { field: 'Age', message: "expected a whole number, got 'x'", line: null, column: null },
          { field: 'Age', message: 'second message for Age' },
          { field: 'Geography', message: "unknown category 'Mars'" },
        ],
      }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(422);
    expect(e.message).toBe('the customer is not valid');
    expect(e.fieldErrors).toHaveLength(3);
    expect(e.byField()).toEqual({ Age: "expected a whole number, got 'x'", Geography: "unknown category 'Mars'" });
  });

  it('falls back to the HTTP status when the body is not JSON', async () => {
    const e = await parseProblem(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } }));
    expect(e.status).toBe(502);
    expect(e.problem.title).toBe('Bad Gateway');
    expect(e.fieldErrors).toEqual([]);
  });

  it('survives a JSON content type with a broken body', async () => {
    const e = await parseProblem(new Response('{not json', { status: 500, headers: { 'Content-Type': 'application/json' } }));
    expect(e.status).toBe(500);
    expect(e.problem.title).toBe('HTTP 500');
  });

  it('ignores a non-array errors member', async () => {
    const e = await parseProblem(jsonResponse(409, { title: 'Conflict', status: 409, errors: 'nope' }));
    expect(e.status).toBe(409);
    expect(e.fieldErrors).toEqual([]);
    expect(e.message).toBe('Conflict');
  });
});

describe('api', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
    setUnauthorizedHandler(null);
  });

  it('sends the bearer token and JSON body', async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => jsonResponse(200, { ok: 1 }, 'application/json'));
    vi.stubGlobal('fetch', fetchMock);
    setAccessToken('tok-1');
    await expect(api('/api/v1/customers', { method: 'POST', json: { a: 1 } })).resolves.toEqual({ ok: 1 });
    const init = fetchMock.mock.calls[0][1]!;
    const headers = init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer tok-1');
    expect(headers['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"a":1}');
  });

  it('signs out on 401 only when a token was in use', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { title: 'Unauthorized', status: 401, type: 'x' })));
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    await expect(api('/api/v1/auth/login', { method: 'POST', json: {} })).rejects.toBeInstanceOf(ApiError);
    expect(handler).not.toHaveBeenCalled();
    setAccessToken('expired');
    await expect(api('/api/v1/customers')).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('renews an expired access token once from the session cookie and retries', async () => {
    const seen: string[] = [];
    const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const path = String(input);
      const auth = (init?.headers as Record<string, string>)?.Authorization ?? '';
      seen.push(`${init?.method ?? 'GET'} ${path} ${auth}`);
      if (path === '/api/v1/auth/refresh') return jsonResponse(200, { access_token: 'fresh', token_type: 'Bearer', expires_in: 900 }, 'application/json');
      if (auth === 'Bearer fresh') return jsonResponse(200, { items: [] }, 'application/json');
      return jsonResponse(401, { title: 'Unauthorized', status: 401, type: 'x' });
    });
    vi.stubGlobal('fetch', fetchMock);
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    setAccessToken('stale');
    await expect(api('/api/v1/customers')).resolves.toEqual({ items: [] });
    expect(seen).toEqual(['GET /api/v1/customers Bearer stale', 'POST /api/v1/auth/refresh ', 'GET /api/v1/customers Bearer fresh']);
    expect(fetchMock.mock.calls[1][1]?.credentials).toBe('same-origin');
    expect(getAccessToken()).toBe('fresh');
    expect(handler).not.toHaveBeenCalled();
  });

  it('signs out when the session cannot be renewed', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { title: 'Unauthorized', status: 401, type: 'x' })));
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    setAccessToken('revoked');
    await expect(api('/api/v1/customers')).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('shares one refresh between concurrent callers (a refresh token is single use)', async () => {
    let refreshes = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => {
        if (String(input) === '/api/v1/auth/refresh') refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return jsonResponse(200, { access_token: `t${refreshes}`, token_type: 'Bearer', expires_in: 900 }, 'application/json');
      }),
    );
    const [a, b] = await Promise.all([refreshSession(), refreshSession()]);
    expect(refreshes).toBe(1);
    expect(a?.access_token).toBe('t1');
    expect(b).toBe(a);
  });
});
