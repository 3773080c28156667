import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createProcObserver, parseProcNetTcp } from '../../src/observe/proc.js';
import { touchesPorts, type SocketRow } from '../../src/observe/row.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/observe/${name}.txt`, import.meta.url), 'utf8');
const tcp = parseProcNetTcp(fixture('proc-net-tcp'));
const tcp6 = parseProcNetTcp(fixture('proc-net-tcp6'));
const all = [...tcp, ...tcp6];

function only(rows: SocketRow[], match: (row: SocketRow) => boolean): SocketRow {
  const found = rows.filter(match);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function listening(host: string, options: net.ServerOpts = {}): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer(options).listen(0, host, () => resolve(server));
  });
}

describe('parseProcNetTcp on captured /proc/net/tcp and tcp6', () => {
  it('reads every socket line, in every state the capture held', () => {
    expect(tcp).toHaveLength(31);
    expect(tcp6).toHaveLength(12);
    expect(new Set(all.map((r) => r.state))).toEqual(
      new Set([
        'LISTEN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2',
        'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING',
      ]),
    );
  });

  it('spells IPv4, IPv6, wildcard and v4-mapped addresses as Node does', () => {
    expect(only(tcp, (r) => r.local.port === 7010 && r.state === 'LISTEN')).toMatchObject({
      local: { address: '127.0.0.1', port: 7010 },
      remote: { address: '0.0.0.0', port: 0 },
    });
    expect(only(tcp, (r) => r.local.port === 7032).local.address).toBe('0.0.0.0');
    expect(only(tcp6, (r) => r.local.port === 7020 && r.state === 'LISTEN').local.address).toBe('::1');
    // Dual-stack and v6-only listeners are both `::` here (ss tells them apart: `*` and `[::]`).
    expect(only(tcp6, (r) => r.local.port === 7030 && r.state === 'LISTEN').local.address).toBe('::');
    expect(only(tcp6, (r) => r.local.port === 7031).remote).toEqual({ address: '::', port: 0 });
    expect(only(tcp6, (r) => r.local.port === 7033 && r.state === 'LISTEN')).toMatchObject({
      local: { address: '::ffff:127.0.0.1' },
      remote: { address: '::', port: 0 },
    });
    const mapped = only(tcp6, (r) => r.remote.port === 7030);
    expect(mapped).toMatchObject({ state: 'ESTABLISHED', local: { address: '::ffff:127.0.0.1' } });
    expect(mapped.remote.address).toBe('::ffff:127.0.0.1');
    expect(only(tcp6, (r) => r.remote.port === 7020).local.address).toBe('::1');
  });

  it('reads queues, uid and inode', () => {
    expect(only(tcp, (r) => r.local.port === 7080 && r.state === 'LISTEN')).toMatchObject({ recvQueue: 2, uid: 0 });
    expect(only(tcp, (r) => r.local.port === 7080 && r.state === 'LISTEN').sendQueue).toBeUndefined();
    const paused = only(tcp, (r) => r.local.port === 7060 && r.state === 'ESTABLISHED');
    expect(paused.recvQueue).toBeGreaterThan(100_000);
    expect(paused.inode).toBeGreaterThan(0);
    // TIME_WAIT and request sockets belong to no file: inode 0.
    expect(only(tcp, (r) => r.remote.port === 7050).inode).toBe(0);
    expect(only(tcp, (r) => r.state === 'SYN_RECV').inode).toBe(0);
  });

  it('reads the timers: kind, ms left (ticks of 10 ms), retries', () => {
    const synSent = tcp.filter((r) => r.state === 'SYN_SENT');
    expect(synSent).toHaveLength(2);
    for (const row of synSent) {
      expect(row).toMatchObject({ remote: { port: 7080 }, sendQueue: 1, timer: { kind: 'retransmit', retries: 1 } });
      expect(row.timer!.remainingMs % 10).toBe(0);
      expect(row.timer!.remainingMs).toBeGreaterThan(0);
      expect(row.timer!.remainingMs).toBeLessThanOrEqual(2000);
    }
    expect(only(tcp, (r) => r.state === 'SYN_RECV')).toMatchObject({
      local: { port: 7095 },
      timer: { kind: 'retransmit', retries: 1 },
    });
    const timeWait = only(tcp, (r) => r.state === 'TIME_WAIT');
    expect(timeWait).toMatchObject({ remote: { port: 7050 }, timer: { kind: 'timewait', retries: 0 } });
    expect(timeWait.timer!.remainingMs).toBeGreaterThan(50_000);
    expect(timeWait.timer!.remainingMs).toBeLessThanOrEqual(60_000);
    expect(only(tcp6, (r) => r.state === 'TIME_WAIT')).toMatchObject({
      local: { address: '::1' },
      remote: { address: '::1', port: 7051 },
      timer: { kind: 'timewait' },
    });
    expect(only(tcp, (r) => r.state === 'FIN_WAIT1')).toMatchObject({
      remote: { port: 7060 },
      timer: { kind: 'persist', retries: 0 },
    });
    expect(only(tcp, (r) => r.state === 'FIN_WAIT1').sendQueue).toBeGreaterThan(1_000_000);
    expect(only(tcp, (r) => r.state === 'LAST_ACK')).toMatchObject({ local: { port: 7070 }, timer: { kind: 'persist' } });
    expect(only(tcp, (r) => r.state === 'CLOSING')).toMatchObject({ remote: { port: 7065 }, timer: { kind: 'persist' } });
    const keepalive = only(tcp, (r) => r.remote.port === 7090);
    expect(keepalive.timer).toMatchObject({ kind: 'keepalive', retries: 0 });
    expect(keepalive.timer!.remainingMs).toBeGreaterThan(50_000);
    expect(only(tcp, (r) => r.state === 'CLOSE_WAIT')).toMatchObject({ local: { port: 7040 } });
    expect(only(tcp, (r) => r.state === 'CLOSE_WAIT').timer).toBeUndefined();
    expect(only(tcp, (r) => r.state === 'FIN_WAIT2' && r.remote.port === 7040).timer).toBeUndefined();
  });

  it('filters by port before parsing, with the same result as filtering after', () => {
    for (const ports of [[7080], [7030, 7051], [7095], [1]]) {
      const set = new Set(ports);
      const text = fixture(ports[0] === 7030 ? 'proc-net-tcp6' : 'proc-net-tcp');
      expect(parseProcNetTcp(text, set)).toEqual(parseProcNetTcp(text).filter((r) => touchesPorts(r, set)));
    }
    expect(parseProcNetTcp(fixture('proc-net-tcp'), new Set([7080]))).toHaveLength(7);
  });

  it('copes with a five-digit slot number and an overdue (negative) timer of an old kernel', () => {
    const line =
      '10000: 0100007F:A44A 0100007F:1BA8 02 00000001:00000000 01:FFFFFFFFFFFFFFF6 00000003     0        0 7874 2 0 100 0 0 1 -1';
    const [row] = parseProcNetTcp(`header\n${line}\n`, new Set([7080]));
    expect(row).toMatchObject({
      local: { address: '127.0.0.1', port: 0xa44a },
      state: 'SYN_SENT',
      timer: { kind: 'retransmit', remainingMs: -100, retries: 3 },
    });
  });

  it('names an unknown state and its line', () => {
    const line = '   0: 0100007F:1B62 00000000:0000 0F 00000000:00000000 00:00000000 00000000     0        0 7810 1';
    expect(() => parseProcNetTcp(`header\n${line}\n`)).toThrow(/unknown state `0F`/);
  });
});

describe('createProcObserver on this machine', () => {
  it('sees a listener the test opens, filtered by its port', async () => {
    const server = await listening('127.0.0.1');
    try {
      const { port } = server.address() as net.AddressInfo;
      const observer = createProcObserver();
      expect(observer).toMatchObject({ name: 'proc', periodMs: 1 });
      const rows = await observer.sample(new Set([port]));
      // Only rows with this port; another socket of the machine might have it as remote port.
      expect(rows.every((r) => r.local.port === port || r.remote.port === port)).toBe(true);
      expect(only(rows, (r) => r.local.port === port)).toMatchObject({
        state: 'LISTEN',
        local: { address: '127.0.0.1', port },
        remote: { address: '0.0.0.0', port: 0 },
      });
    } finally {
      server.close();
    }
  });

  it("spells a v4-mapped connection's addresses exactly as Node's socket does", async () => {
    const server = await listening('::');
    const { port } = server.address() as net.AddressInfo;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    try {
      const peer = await accepted;
      const rows = await createProcObserver().sample(new Set([port]));
      const row = only(rows, (r) => r.local.port === port && r.state === 'ESTABLISHED');
      expect(row.local).toEqual({ address: peer.localAddress, port: peer.localPort });
      expect(row.remote).toEqual({ address: peer.remoteAddress, port: peer.remotePort });
      expect(only(rows, (r) => r.state === 'LISTEN').local.address).toBe((server.address() as net.AddressInfo).address);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('reads the whole of /proc/net/tcp, past a first 64 KiB chunk', async () => {
    const servers = await Promise.all(Array.from({ length: 600 }, () => listening('127.0.0.1')));
    try {
      const ports = new Set(servers.map((s) => (s.address() as net.AddressInfo).port));
      const rows = await createProcObserver().sample(ports);
      // Other sockets of this machine may have one of these as their remote port.
      const listeners = rows.filter((r) => r.state === 'LISTEN' && ports.has(r.local.port));
      expect(new Set(listeners.map((r) => r.local.port))).toEqual(ports);
    } finally {
      for (const server of servers) server.close();
    }
  });
});
