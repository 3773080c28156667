// What a lab's captured segments must say about each of its sockets, given the states observed:
// a socket that reached FIN_WAIT2 or TIME_WAIT sent a FIN (and had it acknowledged: in FIN_WAIT1,
// CLOSING and LAST_ACK the FIN may still wait behind unsent bytes, as in the fin-wait-1 and
// closing labs); one that reached CLOSE_WAIT, CLOSING, LAST_ACK or TIME_WAIT received one; an
// ESTABLISHED connection was opened by a SYN it sent or answered; a FIN comes from a socket seen
// closing. Used on every lab's result by labs.test.ts.

import type { LabResult } from '../../src/runner/result.js';

const SENT_FIN = ['FIN_WAIT2', 'TIME_WAIT'];
const GOT_FIN = ['CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT'];
const CLOSING = ['FIN_WAIT1', 'FIN_WAIT2', 'CLOSING', 'LAST_ACK', 'TIME_WAIT', 'CLOSED'];

/** The disagreements between the lab's states and its segments, one line each; [] when they agree. */
export function segmentsDisagree(lab: LabResult): string[] {
  if (!lab.segments) return [`no capture: ${lab.noCapture ?? 'no reason given'}`];
  const out: string[] = [];
  const names = new Set(lab.sockets.map((s) => s.name));
  for (const name of names) {
    if (name === 'unnamed') continue;
    const states = new Set(lab.sockets.filter((s) => s.name === name).flatMap((s) => s.states.map((x) => x.state)));
    if (states.has('LISTEN')) continue;
    const sent = lab.segments.filter((s) => s.from === name);
    const got = lab.segments.filter((s) => s.to === name);
    const has = (list: typeof sent, flag: string) => list.some((s) => s.flags.split('|').includes(flag));
    if ([...states].some((s) => SENT_FIN.includes(s)) && !has(sent, 'FIN')) out.push(`${name} was in ${[...states].join(' ')} but sent no FIN`);
    if ([...states].some((s) => GOT_FIN.includes(s)) && !has(got, 'FIN')) out.push(`${name} was in ${[...states].join(' ')} but received no FIN`);
    if (states.has('ESTABLISHED') && !has(sent, 'SYN')) out.push(`${name} was ESTABLISHED but sent no SYN or SYN|ACK`);
    if (sent.some((s) => s.flags.includes('FIN')) && ![...states].some((s) => CLOSING.includes(s))) out.push(`${name} sent a FIN but was never seen closing`);
  }
  return out;
}
