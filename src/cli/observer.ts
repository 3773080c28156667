// Which observer a command uses: a name checked up front, `auto` resolved to the kernel's trace
// where this process may trace and to /proc elsewhere, an unavailable one refused in one line.

import { observerUnavailable } from '../observe/create.js';
import { OBSERVER_NAMES, type ObserverName } from '../observe/observer.js';
import { UsageError } from './args.js';

export function pickObserver(wanted: string): ObserverName {
  if (wanted === 'auto') return observerUnavailable('trace') ? 'proc' : 'trace';
  if (!(OBSERVER_NAMES as readonly string[]).includes(wanted)) {
    throw new UsageError(`unknown observer \`${wanted}\`; expected one of auto, ${OBSERVER_NAMES.join(', ')}`);
  }
  const unavailable = observerUnavailable(wanted as ObserverName);
  if (unavailable) throw new UsageError(unavailable);
  return wanted as ObserverName;
}
