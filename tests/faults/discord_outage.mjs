// The Discord stand-in of the fault suite's discord_outage test: the strict
// stand-in of the browser scenarios (tests/e2e/discord_standin.mjs) in its
// outage mode, as a process of its own on loopback.
//
//   node tests/faults/discord_outage.mjs PORT_FILE [RATE_LIMITED_S] [SERVER_ERROR_S] [RETRY_AFTER_S]
//
// From the first webhook request on it answers 429 for RATE_LIMITED_S seconds
// (default 8; Discord's body with retry_after RETRY_AFTER_S, default 1, every
// fourth one a global limit), then 500 for SERVER_ERROR_S (default 8), then
// 204 within a real bucket of 30 requests per second per webhook. Invalid
// messages get Discord's 400. It writes its port to PORT_FILE once listening;
// GET /_standin/received says what it received and served. SIGTERM stops it.
import { writeFileSync, renameSync } from 'node:fs';
import { startDiscordStandin } from '../e2e/discord_standin.mjs';

const [portFile, rateLimited = '8', serverError = '8', retryAfter = '1'] = process.argv.slice(2);
if (!portFile) {
  console.error('usage: node discord_outage.mjs PORT_FILE [RATE_LIMITED_S] [SERVER_ERROR_S] [RETRY_AFTER_S]');
  process.exit(2);
}
const number = (name, text) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`discord_outage: ${name} must be a number of seconds >= 0, not '${text}'`);
    process.exit(2);
  }
  return n;
};
const standin = await startDiscordStandin({
  outage: {
    rateLimitedSeconds: number('RATE_LIMITED_S', rateLimited),
    serverErrorSeconds: number('SERVER_ERROR_S', serverError),
    retryAfter: number('RETRY_AFTER_S', retryAfter),
    globalEvery: 4,
  },
  bucket: { limit: 30, resetAfter: 1 },
});
// Written whole, then renamed: the test never reads half a port number.
writeFileSync(`${portFile}.tmp`, `${standin.port}\n`);
renameSync(`${portFile}.tmp`, portFile);
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
