// The built-in labs: every `*.lab.ts` under the package's `lab/` folder, grouped by topic.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the one holding `lab/` and `package.json`). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LAB_DIR = path.join(PACKAGE_ROOT, 'lab');

/** Topics in the order of the connection's life. */
const TOPIC_ORDER = ['handshake', 'close', 'reset', 'probes', 'concurrency', 'lock'];

/** Labs within a topic, in the order of the state machine; others follow by name. */
const LAB_ORDER = [
  'handshake', 'syn-sent', 'syn-backoff', 'syn-recv', 'stale-syn', 'self-connect', 'refused',
  'half-close', 'active-close', 'close-wait-leak', 'fin-wait-1', 'last-ack', 'closing', 'orphan-fin-wait2', 'time-wait-ack', 'time-wait-2msl',
  'reset', 'write-after-close',
  'zero-window-probes', 'keep-alive',
  'lock-setnx-expire', 'lock-unsafe-release', 'lock-pause-past-ttl', 'lock-restart', 'lock-reentrant', 'lock-contention', 'redlock',
];

export interface CatalogEntry {
  name: string;
  topic: string;
  file: string;
}

export function builtinLabs(): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  let topics: string[];
  try {
    topics = readdirSync(LAB_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  for (const topic of topics) {
    for (const f of readdirSync(path.join(LAB_DIR, topic))) {
      const m = /^(.+)\.lab\.(ts|js)$/.exec(f);
      if (m) entries.push({ name: m[1]!, topic, file: path.join(LAB_DIR, topic, f) });
    }
  }
  const rank = (t: string) => (TOPIC_ORDER.includes(t) ? TOPIC_ORDER.indexOf(t) : TOPIC_ORDER.length);
  const order = (n: string) => (LAB_ORDER.includes(n) ? LAB_ORDER.indexOf(n) : LAB_ORDER.length);
  return entries.sort((a, b) => rank(a.topic) - rank(b.topic) || a.topic.localeCompare(b.topic) || order(a.name) - order(b.name) || a.name.localeCompare(b.name));
}

export function findBuiltinLab(name: string): CatalogEntry | undefined {
  return builtinLabs().find((e) => e.name === name);
}
