// croner's answer for each case on stdin (JSON lines {cron, tz, after, count}): JSON lines
// {next: [RFC 3339 UTC…]} or {error}. croner is told to read day-of-month and day-of-week
// as its default (OR) and fixed-time jobs as Vixie cron does ("no-wildcard").
import { createInterface } from 'node:readline';
import { Cron } from 'croner';

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const c = JSON.parse(line);
  try {
    const job = new Cron(c.cron, { timezone: c.tz, paused: true, mode: '5-part', fixedTimeRule: 'no-wildcard' });
    const runs = job.nextRuns(c.count, new Date(c.after));
    console.log(JSON.stringify({ next: runs.map((d) => d.toISOString().replace('.000Z', 'Z')) }));
  } catch (error) {
    console.log(JSON.stringify({ error: String(error.message ?? error) }));
  }
}
