// Plain-language descriptions of the schedules' cron expressions (UTC), for
// the Schedules card. Only the common shapes are described; anything else is
// shown as written.

const kMacros: Record<string, string> = {
  '@hourly': 'every hour, on the hour',
  '@daily': 'every day at 00:00 UTC',
  '@midnight': 'every day at 00:00 UTC',
  '@weekly': 'every Sunday at 00:00 UTC',
  '@monthly': 'on the 1st of every month at 00:00 UTC',
  '@yearly': 'every 1 January at 00:00 UTC',
  '@annually': 'every 1 January at 00:00 UTC',
};

const kDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const two = (n: number) => String(n).padStart(2, '0');
const isNumber = (s: string) => /^\d+$/.test(s);

/** "every Monday at 02:30 UTC" for "30 2 * * 1"; null when the shape is not a common one. */
export function describeCron(cron: string): string | null {
  const text = cron.trim().toLowerCase();
  if (text.startsWith('@')) return kMacros[text] ?? null;
  const f = text.split(/\s+/);
  if (f.length !== 5) return null;
  const [minute, hour, dom, month, dow] = f;
  if (month !== '*') return null;
  if (minute === '*' && hour === '*' && dom === '*' && dow === '*') return 'every minute';
  const step = /^\*\/(\d+)$/.exec(minute);
  if (step && hour === '*' && dom === '*' && dow === '*') return `every ${step[1]} minutes`;
  if (!isNumber(minute)) return null;
  if (hour === '*' && dom === '*' && dow === '*') return `every hour at minute ${Number(minute)}`;
  if (!isNumber(hour)) return null;
  const at = `at ${two(Number(hour))}:${two(Number(minute))} UTC`;
  if (dom === '*' && dow === '*') return `every day ${at}`;
  if (dom === '*' && isNumber(dow) && Number(dow) <= 7) return `every ${kDays[Number(dow)]} ${at}`;
  if (dow === '*' && isNumber(dom)) return `on day ${Number(dom)} of every month ${at}`;
  return null;
}

/** "in 42 min", "in 3 h", "in 2 days" from now until `iso`. */
export function timeUntil(iso: string, now: number = Date.now()): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - now) / 60000));
  if (minutes < 1) return 'in under a minute';
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.round(hours / 24)} days`;
}
