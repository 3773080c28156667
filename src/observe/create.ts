// Picks an observer by name, and checks up front that its tool is installed.

import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { createNetstatObserver } from './netstat.js';
import { OBSERVER_NAMES, type Observer, type ObserverName } from './observer.js';
import { createProcObserver } from './proc.js';
import { createSsObserver } from './ss.js';
import { traceUnavailable } from './tracefs.js';

export function createObserver(name: ObserverName, periodMs?: number): Observer {
  switch (name) {
    case 'proc':
      return createProcObserver(periodMs);
    case 'ss':
      return createSsObserver(periodMs);
    case 'netstat':
      return createNetstatObserver(periodMs);
    case 'trace':
      throw new TypeError('the trace observer is made with createTraceObserver (it needs its tracefs instance)');
    default: {
      const never: never = name;
      throw new TypeError(`unknown observer ${String(never)}`);
    }
  }
}

/** The program an observer spawns, and the Debian package that has it. */
export const OBSERVER_TOOL: Record<ObserverName, { program: string; pkg: string } | undefined> = {
  proc: undefined,
  ss: { program: 'ss', pkg: 'iproute2' },
  netstat: { program: 'netstat', pkg: 'net-tools' },
  trace: undefined,
};

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Why this observer cannot run here, or undefined when it can. */
export function observerUnavailable(name: ObserverName): string | undefined {
  if (name === 'trace') return traceUnavailable();
  const tool = OBSERVER_TOOL[name];
  if (tool && !onPath(tool.program)) {
    return `the ${name} observer needs \`${tool.program}\`, which is not on PATH; install it (apt-get install ${tool.pkg}) or use --observer proc`;
  }
  return undefined;
}

/** The observer a run uses (`auto`: trace where this process may trace, proc elsewhere); an unknown or unavailable one throws its reason. */
export function chooseObserver(wanted: string): ObserverName {
  if (wanted === 'auto') return observerUnavailable('trace') ? 'proc' : 'trace';
  if (!(OBSERVER_NAMES as readonly string[]).includes(wanted)) {
    throw new TypeError(`unknown observer \`${wanted}\`; expected one of auto, ${OBSERVER_NAMES.join(', ')}`);
  }
  const unavailable = observerUnavailable(wanted as ObserverName);
  if (unavailable) throw new TypeError(unavailable);
  return wanted as ObserverName;
}
