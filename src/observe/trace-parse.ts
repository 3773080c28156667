// Parses lines of a tracefs `trace_pipe`: the kernel's TCP state transitions
// (sock:inet_sock_set_state) and its resets, retransmissions and socket destructions (tcp:*).
// Formats: the `print fmt` of each event under events/<group>/<event>/format (kernel 6.18).

import type { TcpState } from '../states.js';
import type { Endpoint } from './row.js';

import type { KernelEventKind } from './observer.js';

export type TraceEvent =
  | { kind: 'transition'; tsUs: number; pid: number; comm: string; local: Endpoint; remote: Endpoint; from: TcpState; to: TcpState }
  | { kind: KernelEventKind; tsUs: number; pid: number; comm: string; local: Endpoint; remote: Endpoint; state?: TcpState; reason?: string };

const KERNEL_STATES: Record<string, TcpState> = {
  TCP_ESTABLISHED: 'ESTABLISHED',
  TCP_SYN_SENT: 'SYN_SENT',
  TCP_SYN_RECV: 'SYN_RECV',
  TCP_NEW_SYN_RECV: 'SYN_RECV',
  TCP_FIN_WAIT1: 'FIN_WAIT1',
  TCP_FIN_WAIT2: 'FIN_WAIT2',
  TCP_TIME_WAIT: 'TIME_WAIT',
  TCP_CLOSE: 'CLOSED',
  TCP_CLOSE_WAIT: 'CLOSE_WAIT',
  TCP_LAST_ACK: 'LAST_ACK',
  TCP_LISTEN: 'LISTEN',
  TCP_CLOSING: 'CLOSING',
};

const HEAD = /^\s*(.+)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+\S+\s+(\d+)\.(\d{6}):\s+(\w+):\s+(.*)$/;

const EVENT_KIND: Record<string, KernelEventKind | 'transition'> = {
  inet_sock_set_state: 'transition',
  tcp_send_reset: 'send_reset',
  tcp_receive_reset: 'receive_reset',
  tcp_retransmit_skb: 'retransmit',
  tcp_retransmit_synack: 'retransmit_synack',
  tcp_destroy_sock: 'destroy',
};

function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=(\S*)/g)) out[m[1]!] = m[2]!;
  return out;
}

/** `127.0.0.1:80` or `[::1]:80` (the kernel's %pISpc) as an Endpoint. */
function sockaddr(text: string | undefined): Endpoint | undefined {
  const m = text ? /^\[?([^\]]*?)\]?:(\d+)$/.exec(text) : null;
  return m ? { address: m[1]!, port: Number(m[2]) } : undefined;
}

function endpoints(f: Record<string, string>): { local: Endpoint; remote: Endpoint } | undefined {
  if (f.src !== undefined) {
    const local = sockaddr(f.src);
    const remote = sockaddr(f.dest);
    return local && remote ? { local, remote } : undefined;
  }
  const v6 = f.family === 'AF_INET6';
  const [sa, da] = v6 ? [f.saddrv6, f.daddrv6] : [f.saddr, f.daddr];
  if (sa === undefined || da === undefined || f.sport === undefined || f.dport === undefined) return undefined;
  return { local: { address: sa, port: Number(f.sport) }, remote: { address: da, port: Number(f.dport) } };
}

/** One line of trace_pipe, or undefined for lines of other events or other protocols. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = HEAD.exec(line);
  if (!m) return undefined;
  const kind = EVENT_KIND[m[5]!];
  if (!kind) return undefined;
  const f = fields(m[6]!);
  if (f.protocol !== undefined && f.protocol !== 'IPPROTO_TCP') return undefined;
  const ends = endpoints(f);
  if (!ends) return undefined;
  const base = { tsUs: Number(m[3]) * 1_000_000 + Number(m[4]), pid: Number(m[2]), comm: m[1]!.trim(), ...ends };
  if (kind === 'transition') {
    const from = KERNEL_STATES[f.oldstate ?? ''];
    const to = KERNEL_STATES[f.newstate ?? ''];
    return from && to ? { kind, ...base, from, to } : undefined;
  }
  const state = f.state !== undefined ? KERNEL_STATES[f.state] : undefined;
  return { kind, ...base, ...(state ? { state } : {}), ...(f.reason ? { reason: f.reason } : {}) };
}
