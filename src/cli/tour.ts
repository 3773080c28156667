// `tcplab tour`: the labs in the order of the state machine, each explained and drawn, ending
// with the eleven states checked off as this machine showed them; `--report FILE` also writes
// it all as one HTML page, `--no-capture` draws the ladders without packets.

import type { Family } from '../lab/define.js';
import { runTour } from '../tour/tour.js';
import { outputFile, parseFlags, UsageError } from './args.js';
import { pickObserver } from './observer.js';
import { VERSION } from './version.js';

export async function tourCommand(argv: string[]): Promise<number> {
  const values = parseFlags('tour', argv, {
    json: { type: 'boolean' as const }, long: { type: 'boolean' as const }, lang: { type: 'string' as const },
    observer: { type: 'string' as const }, family: { type: 'string' as const }, 'no-netns': { type: 'boolean' as const },
    'no-capture': { type: 'boolean' as const }, report: { type: 'string' as const },
  });
  const lang = values.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`unknown language \`${lang}\`; expected en or zh`);
  const family = values.family ?? '4';
  if (!['4', '6', 'mapped'].includes(family)) throw new UsageError(`unknown family \`${family}\`; expected 4, 6 or mapped`);
  // The page's file, checked before any lab runs.
  const report = values.report === undefined ? undefined : outputFile('--report', values.report);
  const observer = pickObserver(values.observer ?? 'auto');
  return runTour({
    json: values.json ?? false,
    lang,
    long: values.long ?? false,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    observer,
    family: family as Family,
    netns: !values['no-netns'],
    capture: !values['no-capture'],
    ...(report !== undefined ? { report: { file: report, version: VERSION } } : {}),
    out: process.stdout,
  });
}
