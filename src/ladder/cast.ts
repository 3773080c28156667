// Who the ladder shows: the connection of a lab worth drawing, its client on the left and its
// server on the right, found from the sockets' addresses and the lab's steps.

import type { EventJson, LabResult, SocketJson, StateJson } from '../runner/result.js';

/** One column of the ladder: a socket, or an actor the observer never saw in the table. */
export interface Party {
  /** `client :50704`, `blocked :34181`, `hping3 :40000`. */
  label: string;
  /** The actor name in the lab's events, when this party acted. */
  actor?: string;
  socket?: SocketJson;
  /** The listener whose port this party answers on (shown before the server socket exists). */
  listener?: SocketJson;
  /** No TCP socket of the lab stands here (a forged packet's source, a port where nothing listens). */
  socketless?: boolean;
  /** The port this party's segments come from, where known (not for a client whose socket was never seen). */
  port?: string;
}

/** The two columns of a ladder and what it leaves out. */
export interface Cast {
  client: Party;
  server: Party;
  /** One socket playing both ends (a self-connect). */
  self: boolean;
  /** Sockets of the lab the ladder leaves out (other connections, queued clients). */
  others: SocketJson[];
}

export function portOf(endpoint: string): string {
  return endpoint.slice(endpoint.lastIndexOf(':') + 1);
}

export function isListener(s: SocketJson): boolean {
  return /:0$/.test(s.remote) && s.states.some((st) => st.state === 'LISTEN');
}

// States that say something beyond "it connected": a connection showing more of them is the one to draw.
const PLAIN = new Set(['ESTABLISHED', 'LISTEN']);
const HANDSHAKE = new Set(['SYN_SENT', 'SYN_RECV']);

/**
 * A handshake state says nothing more where the socket went on to ESTABLISHED: the trace
 * observer sees it on every connection, a sampling one on a few by chance.
 */
function telling(s: SocketJson): string[] {
  const states = s.states.map((st: StateJson) => st.state);
  const connected = states.includes('ESTABLISHED');
  return states.filter((st) => !PLAIN.has(st) && !(connected && HANDSHAKE.has(st)));
}

function score(sockets: SocketJson[]): number {
  const states = new Set(sockets.flatMap((s) => s.states.map((st: StateJson) => st.state)));
  return new Set(sockets.flatMap(telling)).size * 10 + states.size;
}

function party(socket: SocketJson | undefined, listener?: SocketJson): Party {
  if (!socket) return { label: '' };
  return { label: `${socket.name} :${portOf(socket.local)}`, actor: socket.name, socket, port: portOf(socket.local), ...(listener ? { listener } : {}) };
}

/** The party at the far end when its socket was never seen: the actor that listened there, or the bare port. */
function unseenServer(events: EventJson[], endpoint: string, listener?: SocketJson): Party {
  const port = portOf(endpoint);
  if (listener) return { label: `${listener.name} :${portOf(listener.local)}`, listener, port };
  const listen = events.find((e) => e.kind === 'step' && e.what === 'listen' && e.detail?.startsWith(endpoint));
  return listen?.actor ? { label: `${listen.actor} :${port}`, actor: listen.actor, port } : { label: `:${port}`, socketless: true, port };
}

/** hping3's `-s SPORT -p DPORT` of a forged SYN, when the lab sent one. */
export function forgedSyn(e: EventJson): { sport: string; dport: string } | undefined {
  if (e.kind !== 'step' || e.what !== 'exec' || !e.detail?.startsWith('hping3 ') || !/\s-S\b/.test(e.detail)) return undefined;
  const sport = /\s-s\s+(\d+)/.exec(e.detail)?.[1];
  const dport = /\s-p\s+(\d+)/.exec(e.detail)?.[1];
  return sport && dport ? { sport, dport } : undefined;
}

/** Picks the connection worth drawing (the one showing the most states beyond ESTABLISHED) and who stands where. */
export function castOf(r: LabResult): Cast {
  const listeners = r.sockets.filter(isListener);
  const conns = r.sockets.filter((s) => !isListener(s));
  const listenerOn = (port: string) => listeners.find((l) => portOf(l.local) === port);
  const connectors = new Set(r.events.filter((e) => e.kind === 'step' && e.what === 'connect').map((e) => e.actor));
  const isClient = (s: SocketJson) => connectors.has(s.name) || !listenerOn(portOf(s.local));
  const candidates: { client: SocketJson; server?: SocketJson }[] = [];
  for (const a of conns) {
    if (a.local === a.remote) {
      candidates.push({ client: a, server: a });
      continue;
    }
    if (!isClient(a)) continue;
    candidates.push({ client: a, ...spread(conns.find((b) => b !== a && b.local === a.remote && b.remote === a.local)) });
  }
  let best: (typeof candidates)[number] | undefined;
  for (const c of candidates) {
    if (!best || score([c.client, ...(c.server ? [c.server] : [])]) > score([best.client, ...(best.server ? [best.server] : [])])) best = c;
  }
  if (best) {
    const chosen = best;
    const others = r.sockets.filter((s) => s !== chosen.client && s !== chosen.server && !isListener(s));
    const listener = listenerOn(portOf(chosen.client.remote));
    const self = chosen.client === chosen.server;
    const server = chosen.server
      ? party(chosen.server, self ? undefined : listener)
      : unseenServer(r.events, chosen.client.remote, listener);
    return { client: party(chosen.client), server, self, others };
  }
  return castWithoutConnection(r, listenerOn);
}

function spread(server: SocketJson | undefined): { server?: SocketJson } {
  return server ? { server } : {};
}

/** No connection was ever in the table: a refused connect, or a forged SYN from hping3. */
function castWithoutConnection(r: LabResult, listenerOn: (port: string) => SocketJson | undefined): Cast {
  for (const e of r.events) {
    const forged = forgedSyn(e);
    if (forged) {
      const listener = listenerOn(forged.dport);
      return {
        client: { label: `${e.actor ?? 'hping3'} :${forged.sport}`, actor: e.actor ?? 'hping3', socketless: true, port: forged.sport },
        server: listener ? { label: `${listener.name} :${forged.dport}`, listener, port: forged.dport } : { label: `:${forged.dport}`, socketless: true, port: forged.dport },
        self: false,
        others: [],
      };
    }
    if (e.kind === 'step' && e.what === 'connect' && e.actor) {
      const to = e.detail?.replace(/^to /, '') ?? '';
      return { client: { label: e.actor, actor: e.actor }, server: unseenServer(r.events, to, listenerOn(portOf(to))), self: false, others: [] };
    }
  }
  return { client: { label: '' }, server: { label: '' }, self: false, others: [] };
}
