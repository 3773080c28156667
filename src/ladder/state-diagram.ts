// The TCP state diagram of RFC 793 (figure 6) as data: where each state's box stands and the
// path and labels of each transition, on a grid of character cells. The tour draws it in text,
// the HTML report in SVG (scaled to pixels).

import type { TcpState } from '../states.js';
import type { TransitionKey } from './observed.js';

/** Width of a state's box, in characters. */
export const BOX_WIDTH = 19;

/** Top-left corners; CLOSED is drawn twice, as in the RFC (where it starts and, `end`, where it ends). */
export const BOXES: readonly { state: TcpState; x: number; y: number; end?: true }[] = [
  { state: 'CLOSED', x: 29, y: 0 },
  { state: 'LISTEN', x: 29, y: 5 },
  { state: 'SYN_RECV', x: 0, y: 11 },
  { state: 'SYN_SENT', x: 56, y: 11 },
  { state: 'ESTABLISHED', x: 29, y: 17 },
  { state: 'FIN_WAIT1', x: 0, y: 23 },
  { state: 'CLOSE_WAIT', x: 56, y: 23 },
  { state: 'FIN_WAIT2', x: 0, y: 29 },
  { state: 'CLOSING', x: 22, y: 29 },
  { state: 'LAST_ACK', x: 56, y: 29 },
  { state: 'TIME_WAIT', x: 22, y: 35 },
  { state: 'CLOSED', x: 56, y: 35, end: true },
];

export type Point = [x: number, y: number];

export interface Edge {
  key: TransitionKey;
  /** Corners of the line, ending on the cell of the arrowhead. */
  path: Point[];
  labels: { x: number; y: number; text: string }[];
}

/** The transitions of figure 6 (RFC 793), minus the CLOSE from LISTEN and SYN_SENT. */
export const EDGES: Edge[] = [
  { key: 'CLOSED>LISTEN', path: [[34, 3], [34, 4]], labels: [{ x: 21, y: 3, text: 'passive open' }] },
  { key: 'CLOSED>SYN_SENT', path: [[42, 3], [42, 4], [70, 4], [70, 10]], labels: [{ x: 44, y: 3, text: 'active open, snd SYN' }] },
  { key: 'LISTEN>SYN_RECV', path: [[34, 8], [34, 9], [5, 9], [5, 10]], labels: [{ x: 13, y: 8, text: 'rcv SYN, snd SYN,ACK' }] },
  { key: 'LISTEN>SYN_SENT', path: [[42, 8], [42, 9], [62, 9], [62, 10]], labels: [{ x: 44, y: 8, text: 'send, snd SYN' }] },
  {
    key: 'SYN_SENT>SYN_RECV', path: [[55, 12], [19, 12]],
    labels: [{ x: 29, y: 11, text: 'rcv SYN, snd ACK' }, { x: 27, y: 13, text: '(simultaneous open)' }],
  },
  { key: 'SYN_RECV>ESTABLISHED', path: [[9, 14], [9, 15], [33, 15], [33, 16]], labels: [{ x: 11, y: 14, text: 'rcv ACK of SYN' }] },
  { key: 'SYN_SENT>ESTABLISHED', path: [[65, 14], [65, 15], [43, 15], [43, 16]], labels: [{ x: 43, y: 14, text: 'rcv SYN,ACK, snd ACK' }] },
  { key: 'SYN_RECV>FIN_WAIT1', path: [[3, 14], [3, 22]], labels: [{ x: 5, y: 18, text: 'close, snd FIN' }] },
  { key: 'ESTABLISHED>FIN_WAIT1', path: [[33, 20], [33, 21], [9, 21], [9, 22]], labels: [{ x: 17, y: 20, text: 'close, snd FIN' }] },
  { key: 'ESTABLISHED>CLOSE_WAIT', path: [[43, 20], [43, 21], [65, 21], [65, 22]], labels: [{ x: 45, y: 20, text: 'rcv FIN, snd ACK' }] },
  { key: 'FIN_WAIT1>FIN_WAIT2', path: [[3, 26], [3, 28]], labels: [{ x: 5, y: 28, text: 'rcv ACK of FIN' }] },
  { key: 'FIN_WAIT1>CLOSING', path: [[9, 26], [9, 27], [28, 27], [28, 28]], labels: [{ x: 12, y: 26, text: 'rcv FIN, snd ACK' }] },
  { key: 'CLOSE_WAIT>LAST_ACK', path: [[65, 26], [65, 28]], labels: [{ x: 50, y: 27, text: 'close, snd FIN' }] },
  { key: 'FIN_WAIT2>TIME_WAIT', path: [[3, 32], [3, 36], [21, 36]], labels: [{ x: 5, y: 33, text: 'rcv FIN, snd ACK' }] },
  { key: 'CLOSING>TIME_WAIT', path: [[31, 32], [31, 34]], labels: [{ x: 33, y: 32, text: 'rcv ACK of FIN' }] },
  { key: 'LAST_ACK>CLOSED', path: [[65, 32], [65, 34]], labels: [{ x: 50, y: 33, text: 'rcv ACK of FIN' }] },
  { key: 'TIME_WAIT>CLOSED', path: [[41, 36], [55, 36]], labels: [{ x: 42, y: 35, text: '2MSL timeout' }] },
];

