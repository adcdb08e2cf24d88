// A strict local stand-in for Discord's webhook API, for the browser
// scenarios: POST /api/webhooks/<id>/<token> with a JSON body checked
// against Discord's documented message limits. Accepted messages are kept
// for the test to read; refused ones get Discord's 400 shape and are kept in
// `refused` so a test can assert there were none.
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

/** Starts the stand-in on a free loopback port. */
export async function startDiscordStandin() {
  const messages = [];
  const refused = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const match = url.pathname.match(/^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([\w-]+)$/);
      const reply = (status, body, headers = {}) => {
        res.writeHead(status, { 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset-After': '1', 'X-RateLimit-Bucket': 'standin', ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) });
        res.end(body ? JSON.stringify(body) : undefined);
      };
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
      messages.push({ webhook: match[1], token: match[2], body, at: Date.now() });
      if (url.searchParams.get('wait') === 'true') return reply(200, { id: String(messages.length), ...body });
      reply(204);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (id = '1234567890', token = 'standin-token-abcdefgh') => `http://127.0.0.1:${port}/api/webhooks/${id}/${token}`,
    messages,
    refused,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
