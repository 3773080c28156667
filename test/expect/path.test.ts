import { describe, expect, it } from 'vitest';
import { matchPath } from '../../src/expect/path.js';

describe('matchPath', () => {
  it('matches a contiguous run of required states', () => {
    expect(matchPath(['ESTABLISHED', 'FIN_WAIT2'], ['LISTEN', 'ESTABLISHED', 'FIN_WAIT2'])).toEqual({ seen: ['ESTABLISHED', 'FIN_WAIT2'], skipped: [] });
  });

  it('lets an optional state be missing and says which', () => {
    expect(matchPath(['ESTABLISHED', 'FIN_WAIT1?', 'FIN_WAIT2', 'TIME_WAIT'], ['ESTABLISHED', 'FIN_WAIT2', 'TIME_WAIT']))
      .toEqual({ seen: ['ESTABLISHED', 'FIN_WAIT2', 'TIME_WAIT'], skipped: ['FIN_WAIT1'] });
  });

  it('uses an optional state when it was observed', () => {
    expect(matchPath(['ESTABLISHED', 'FIN_WAIT1?', 'FIN_WAIT2'], ['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2'])?.skipped).toEqual([]);
  });

  it('rejects states out of order or an unexpected state in between', () => {
    expect(matchPath(['ESTABLISHED', 'FIN_WAIT2'], ['FIN_WAIT2', 'ESTABLISHED'])).toBeUndefined();
    expect(matchPath(['ESTABLISHED', 'FIN_WAIT2'], ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT2'])).toBeUndefined();
  });

  it('never matches on optional states alone', () => {
    expect(matchPath(['FIN_WAIT1?'], ['ESTABLISHED'])).toBeUndefined();
  });
});
