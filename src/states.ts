// The eleven TCP states under their canonical names, and how each tool spells them.
// Numbers are the kernel's, from include/net/tcp_states.h; tools' spellings are translated
// here, at the edge, and nowhere else.

/** Canonical state names, used everywhere inside tcplab. */
export const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSED',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
] as const;

export type TcpState = (typeof TCP_STATES)[number];

/** The kernel's number for each state (the `st` column of /proc/net/tcp, in hex there). */
export const KERNEL_STATE_NUMBER: Record<TcpState, number> = {
  ESTABLISHED: 0x01,
  SYN_SENT: 0x02,
  SYN_RECV: 0x03,
  FIN_WAIT1: 0x04,
  FIN_WAIT2: 0x05,
  TIME_WAIT: 0x06,
  CLOSED: 0x07,
  CLOSE_WAIT: 0x08,
  LAST_ACK: 0x09,
  LISTEN: 0x0a,
  CLOSING: 0x0b,
};

const BY_NUMBER = new Map<number, TcpState>(
  TCP_STATES.map((s) => [KERNEL_STATE_NUMBER[s], s]),
);

/** `ss` spelling of each state. */
const SS_NAMES: Record<string, TcpState> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSED',
  CLOSE: 'CLOSED',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

/** `netstat` spelling of each state. */
const NETSTAT_NAMES: Record<string, TcpState> = {
  ESTABLISHED: 'ESTABLISHED',
  SYN_SENT: 'SYN_SENT',
  SYN_RECV: 'SYN_RECV',
  FIN_WAIT1: 'FIN_WAIT1',
  FIN_WAIT2: 'FIN_WAIT2',
  TIME_WAIT: 'TIME_WAIT',
  CLOSE: 'CLOSED',
  CLOSE_WAIT: 'CLOSE_WAIT',
  LAST_ACK: 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

export function stateFromKernelNumber(n: number): TcpState | undefined {
  return BY_NUMBER.get(n);
}

export function stateFromSs(name: string): TcpState | undefined {
  return SS_NAMES[name];
}

export function stateFromNetstat(name: string): TcpState | undefined {
  return NETSTAT_NAMES[name];
}

export function isTcpState(value: unknown): value is TcpState {
  return typeof value === 'string' && (TCP_STATES as readonly string[]).includes(value);
}
