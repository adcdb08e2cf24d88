// A strict local stand-in for Discord's webhook API, for the browser
// scenarios and the fault suite: POST /api/webhooks/<id>/<token> with a JSON
// body checked against Discord's documented message limits. Accepted messages
// are kept for the test to read; refused ones get Discord's 400 shape and are
// kept in `refused` so a test can assert there were none.
//
// Options (all off by default, which is what the browser scenarios use):
//   outage: { rateLimitedSeconds, serverErrorSeconds, retryAfter, globalEvery }
//     from the first webhook request on, answer 429 (Discord's body and
//     headers; every `globalEvery`-th one a global limit) for
//     rateLimitedSeconds, then 500 for serverErrorSeconds, then normally.
//     Bodies are checked first on every request, so an invalid message is
//     refused (and seen) even during the outage.
//   bucket: { limit, resetAfter } a real per-webhook bucket: at most `limit`
//     accepted requests per window of `resetAfter` seconds, the headers
//     counting down, a 429 beyond it (counted apart from the outage's).
//   port: listen on this port (default: a free one).
// GET /_standin/received returns what was received, as `report()` does.
import { createServer } from 'node:http';

const kLimits = { content: 2000, embeds: 10, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000 };

/** Problems with a message body, as Discord would list them; empty when valid. */
export function messageProblems(body) {
  const problems = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['body is not a JSON object'];
  const embeds = body.embeds ?? [];
  if (body.content !== undefined && typeof body.content !== 'string') problems.push('content: not a string');
  if ((body.content ?? '').length > kLimits.content) problems.push(`content: ${body.content.length} > ${kLimits.content}`);
  if (!Array.isArray(embeds)) return [...problems, 'embeds: not an array'];
  if (!(body.content ?? '').trim() && embeds.length === 0) problems.push('Cannot send an empty message');
  if (embeds.length > kLimits.embeds) problems.push(`embeds: ${embeds.length} > ${kLimits.embeds}`);
  let total = 0;
  const text = (where, value, max) => {
    if (value === undefined || value === null) return;
    if (typeof value !== 'string') return problems.push(`${where}: not a string`);
    if (value.length > max) problems.push(`${where}: ${value.length} > ${max}`);
    total += value.length;
  };
  embeds.forEach((e, i) => {
    text(`embeds[${i}].title`, e.title, kLimits.title);
    text(`embeds[${i}].description`, e.description, kLimits.description);
    text(`embeds[${i}].footer.text`, e.footer?.text, kLimits.footer);
    text(`embeds[${i}].author.name`, e.author?.name, kLimits.author);
    if (e.color !== undefined && !(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff)) problems.push(`embeds[${i}].color: not 0..16777215`);
    const fields = e.fields ?? [];
    if (fields.length > kLimits.fields) problems.push(`embeds[${i}].fields: ${fields.length} > ${kLimits.fields}`);
    fields.forEach((f, j) => {
      if (!f.name || !f.value) problems.push(`embeds[${i}].fields[${j}]: name and value are required`);
      text(`embeds[${i}].fields[${j}].name`, f.name, kLimits.fieldName);
      text(`embeds[${i}].fields[${j}].value`, f.value, kLimits.fieldValue);
    });
  });
  if (total > kLimits.total) problems.push(`embeds: ${total} characters > ${kLimits.total}`);
  return problems;
}

/** Starts the stand-in on loopback (see the options above). */
export async function startDiscordStandin(options = {}) {
  const messages = [];
  const refused = [];
  const served = {}; // status -> responses
  let bucketLimited = 0; // 429s from the bucket, not the outage
  let firstRequestAt = null;
  let rateLimitedServed = 0;
  const outage = options.outage ?? null;
  const bucket = options.bucket ?? null;
  const windows = new Map(); // webhook id -> { resetAt, used }

  // Which outage phase a request at `now` falls in; the clock starts with
  // the first webhook request, so the outage meets the alerts however long
  // the run that queued them took.
  const phase = (now) => {
    if (!outage) return 'ok';
    firstRequestAt ??= now;
    const t = (now - firstRequestAt) / 1000;
    if (t < outage.rateLimitedSeconds) return '429';
    if (t < outage.rateLimitedSeconds + outage.serverErrorSeconds) return '500';
    return 'ok';
  };
  const outageEndsAt = () =>
    outage && firstRequestAt !== null ? firstRequestAt + 1000 * (outage.rateLimitedSeconds + outage.serverErrorSeconds) : null;

  const report = () => ({
    messages,
    refused,
    served,
    outage_429: rateLimitedServed,
    bucket_limited: bucketLimited,
    first_request_at: firstRequestAt,
    outage_ends_at: outageEndsAt(),
    now: Date.now(),
  });

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const now = Date.now();
      const reply = (status, body, headers = {}) => {
        served[status] = (served[status] ?? 0) + 1;
        const rate = bucket ? {} : { 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset-After': '1', 'X-RateLimit-Bucket': 'standin' };
        res.writeHead(status, { ...rate, ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) });
        res.end(body ? JSON.stringify(body) : undefined);
      };
      if (req.method === 'GET' && url.pathname === '/_standin/received') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(report()));
      }
      const match = url.pathname.match(/^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([\w-]+)$/);
      if (!match) return reply(404, { message: 'Unknown Webhook', code: 10015 });
      if (req.method !== 'POST') return reply(405, { message: '405: Method Not Allowed', code: 0 });
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        refused.push({ reason: 'content type', headers: req.headers });
        return reply(400, { message: 'Cannot send an empty message', code: 50006 });
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        refused.push({ reason: 'invalid JSON' });
        return reply(400, { message: 'The request body contains invalid JSON.', code: 50109 });
      }
      const problems = messageProblems(body);
      if (problems.length) {
        refused.push({ reason: problems.join('; '), body });
        return reply(400, { message: 'Invalid Form Body', code: 50035, errors: problems });
      }

      // Discord's 429: retry_after (seconds, fractional) in the body and
      // Retry-After (whole seconds) as a header; a bucket's headers, plus
      // X-RateLimit-Global and scope "global" when it is the global limit.
      const limited = (retryAfter, global, headers = {}) =>
        reply(
          429,
          { message: 'You are being rate limited.', retry_after: retryAfter, global, ...(global ? {} : { code: 0 }) },
          {
            'Retry-After': String(Math.ceil(retryAfter)),
            'X-RateLimit-Scope': global ? 'global' : 'shared',
            ...(global ? { 'X-RateLimit-Global': 'true' } : {}),
            ...headers,
          },
        );
      const current = phase(now);
      if (current === '429') {
        rateLimitedServed += 1;
        const retryAfter = outage.retryAfter ?? 1;
        const global = outage.globalEvery > 0 && rateLimitedServed % outage.globalEvery === 0;
        return limited(retryAfter, global, global ? {} : {
          'X-RateLimit-Limit': String(bucket?.limit ?? 5),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': ((now + retryAfter * 1000) / 1000).toFixed(3),
          'X-RateLimit-Reset-After': retryAfter.toFixed(3),
          'X-RateLimit-Bucket': 'standin-webhook',
        });
      }
      if (current === '500') return reply(500, { message: '500: Internal Server Error', code: 0 });

      let rate = {};
      if (bucket) {
        let w = windows.get(match[1]);
        if (!w || w.resetAt <= now) windows.set(match[1], (w = { resetAt: now + bucket.resetAfter * 1000, used: 0 }));
        const resetAfter = (w.resetAt - now) / 1000;
        const headers = {
          'X-RateLimit-Limit': String(bucket.limit),
          'X-RateLimit-Reset': (w.resetAt / 1000).toFixed(3),
          'X-RateLimit-Reset-After': resetAfter.toFixed(3),
          'X-RateLimit-Bucket': 'standin-webhook',
        };
        if (w.used >= bucket.limit) {
          bucketLimited += 1;
          return limited(resetAfter, false, { ...headers, 'X-RateLimit-Remaining': '0' });
        }
        w.used += 1;
        rate = { ...headers, 'X-RateLimit-Remaining': String(bucket.limit - w.used) };
      }
      messages.push({ webhook: match[1], token: match[2], body, at: now });
      if (url.searchParams.get('wait') === 'true') return reply(200, { id: String(messages.length), ...body }, rate);
      reply(204, undefined, rate);
    });
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    url: (id = '1234567890', token = 'standin-token-abcdefgh') => `http://127.0.0.1:${port}/api/webhooks/${id}/${token}`,
    messages,
    refused,
    report,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
