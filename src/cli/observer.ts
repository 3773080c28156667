// Which observer a command uses: `auto` resolved to the kernel's trace where this process may
// trace and to /proc elsewhere, an unknown or unavailable one refused in one line.

import { chooseObserver } from '../observe/create.js';
import type { ObserverName } from '../observe/observer.js';
import { UsageError } from './args.js';

export function pickObserver(wanted: string): ObserverName {
  try {
    return chooseObserver(wanted);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
