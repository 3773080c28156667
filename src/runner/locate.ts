// Turns an error thrown by a lab script into the harness's failure line, pointing at the
// script line it came from.

import { callSite } from '../actors/where.js';
import { LabFailure } from '../expect/failure.js';

export function locateError(err: unknown, file: string): LabFailure {
  const e = err instanceof Error ? err : new Error(String(err));
  const given = (e as { where?: unknown }).where;
  const where = typeof given === 'string' ? given : callSite(e.stack);
  return new LabFailure(where === '<unknown>' ? file : where, 'runtime', `runtime error: ${e.message}`);
}
