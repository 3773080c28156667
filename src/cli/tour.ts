// `tcplab tour`: the labs in the order of the state machine, each explained and drawn, ending
// with the eleven states checked off as this machine showed them.

import { parseArgs } from 'node:util';
import type { Family } from '../lab/define.js';
import { observerUnavailable } from '../observe/create.js';
import { OBSERVER_NAMES, type ObserverName } from '../observe/observer.js';
import { runTour } from '../tour/tour.js';
import { UsageError } from './args.js';

export async function tourCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean' }, long: { type: 'boolean' }, lang: { type: 'string' },
        observer: { type: 'string' }, family: { type: 'string' }, 'no-netns': { type: 'boolean' },
      },
    }));
  } catch (err) {
    const m = /Unknown option '([^']+)'|Unexpected argument '([^']+)'/.exec((err as Error).message);
    throw new UsageError(m ? `tour: unknown ${m[1] ? `flag ${m[1]}` : `argument ${m[2]}`}; see \`tcplab --help\`` : `tour: ${(err as Error).message.split('\n')[0]}`);
  }
  const lang = values.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`unknown language \`${lang}\`; expected en or zh`);
  const family = values.family ?? '4';
  if (!['4', '6', 'mapped'].includes(family)) throw new UsageError(`unknown family \`${family}\`; expected 4, 6 or mapped`);
  const wanted = values.observer ?? 'auto';
  if (wanted !== 'auto' && !(OBSERVER_NAMES as readonly string[]).includes(wanted)) {
    throw new UsageError(`unknown observer \`${wanted}\`; expected one of auto, ${OBSERVER_NAMES.join(', ')}`);
  }
  let observer: ObserverName;
  if (wanted === 'auto') observer = observerUnavailable('trace') ? 'proc' : 'trace';
  else {
    const why = observerUnavailable(wanted as ObserverName);
    if (why) throw new UsageError(why);
    observer = wanted as ObserverName;
  }
  return runTour({
    json: values.json ?? false,
    lang,
    long: values.long ?? false,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    observer,
    family: family as Family,
    netns: !values['no-netns'],
    out: process.stdout,
  });
}
