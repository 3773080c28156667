import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createNetstatObserver, parseNetstat } from '../../src/observe/netstat.js';
import type { SocketRow } from '../../src/observe/row.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/observe/${name}.txt`, import.meta.url), 'utf8');
const rows = parseNetstat(fixture('netstat-tanoW'));

function only(list: SocketRow[], match: (row: SocketRow) => boolean): SocketRow {
  const found = list.filter(match);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function listening(host: string): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, host, () => resolve(server));
  });
}

describe('parseNetstat on captured `netstat -tanoW`', () => {
  it('skips the two header lines and translates every state', () => {
    expect(rows).toHaveLength(43);
    expect(new Set(rows.map((r) => r.state))).toEqual(
      new Set([
        'LISTEN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2',
        'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING',
      ]),
    );
  });

  it('splits IPv6 endpoints at the last colon and restores v4-mapped addresses of tcp6 lines', () => {
    // `:::7030` and `:::*`
    expect(only(rows, (r) => r.local.port === 7030 && r.state === 'LISTEN')).toMatchObject({
      local: { address: '::' },
      remote: { address: '::', port: 0 },
    });
    expect(only(rows, (r) => r.local.port === 7020 && r.state === 'LISTEN').local.address).toBe('::1');
    expect(only(rows, (r) => r.remote.port === 7020).local.address).toBe('::1');
    // netstat prints `127.0.0.1:7033` on a tcp6 line for the ::ffff:127.0.0.1 listener.
    expect(only(rows, (r) => r.local.port === 7033 && r.state === 'LISTEN').local.address).toBe('::ffff:127.0.0.1');
    const mapped = only(rows, (r) => r.remote.port === 7030);
    expect(mapped.local.address).toBe('::ffff:127.0.0.1');
    expect(mapped.remote.address).toBe('::ffff:127.0.0.1');
    expect(only(rows, (r) => r.local.port === 7010 && r.state === 'LISTEN').remote).toEqual({ address: '0.0.0.0', port: 0 });
  });

  it('reads the timers: on, probe, timewait, keepalive; `off` is none', () => {
    for (const state of ['FIN_WAIT1', 'LAST_ACK', 'CLOSING'] as const) {
      const row = only(rows, (r) => r.state === state);
      expect(row.timer).toMatchObject({ kind: 'persist', retries: 0 });
      expect(row.sendQueue).toBeGreaterThan(1_000_000);
    }
    const retransmitting = rows.filter((r) => r.state === 'SYN_SENT' || r.state === 'SYN_RECV');
    expect(retransmitting).toHaveLength(3);
    for (const row of retransmitting) {
      expect(row.timer).toMatchObject({ kind: 'retransmit', retries: 1 });
      expect(row.timer!.remainingMs % 10).toBe(0);
      expect(row.timer!.remainingMs).toBeLessThanOrEqual(2000);
    }
    for (const port of [7050, 7051, 7090]) {
      const row = only(rows, (r) => r.remote.port === port);
      expect(row.timer).toMatchObject({ kind: port === 7090 ? 'keepalive' : 'timewait', retries: 0 });
      expect(row.timer!.remainingMs).toBeGreaterThan(50_000);
      expect(row.timer!.remainingMs).toBeLessThanOrEqual(60_000);
    }
    expect(only(rows, (r) => r.state === 'CLOSE_WAIT').timer).toBeUndefined();
    expect(only(rows, (r) => r.local.port === 7080 && r.state === 'LISTEN')).toMatchObject({ recvQueue: 2 });
  });

  it('takes retries from the retransmit count for `on`, from the probe count for keepalive and probe', () => {
    const text = [
      'tcp        0      0 10.0.0.1:22             10.0.0.2:5000           ESTABLISHED on (0.20/4/0)',
      'tcp        0      0 10.0.0.1:22             10.0.0.2:5001           ESTABLISHED keepalive (7199.90/0/2)',
      'tcp        0      9 10.0.0.1:22             10.0.0.2:5002           ESTABLISHED probe (0.19/0/3)',
      'tcp        0      0 10.0.0.1:22             10.0.0.2:5003           ESTABLISHED off (0.00/3/0)',
      'tcp        0      0 10.0.0.1:22             10.0.0.2:5004           ESTABLISHED unkn-7 (1.00/0/0)',
      'tcp6       0      0 fe80::1:22              fe80::2:5005            CLOSE',
    ].join('\n');
    expect(parseNetstat(text).map((r) => r.timer)).toEqual([
      { kind: 'retransmit', remainingMs: 200, retries: 4 },
      { kind: 'keepalive', remainingMs: 7_199_900, retries: 2 },
      { kind: 'persist', remainingMs: 190, retries: 3 },
      undefined,
      { kind: 'other', remainingMs: 1000, retries: 0 },
      undefined,
    ]);
    expect(parseNetstat(text)[5]).toMatchObject({ state: 'CLOSED', local: { address: 'fe80::1', port: 22 } });
  });

  it('names an unknown state and its line', () => {
    expect(() => parseNetstat('tcp 0 0 127.0.0.1:1 127.0.0.1:2 UNKNOWN')).toThrow(/netstat: unknown state `UNKNOWN`/);
  });
});

describe('createNetstatObserver on this machine', () => {
  it('sees a listener the test opens, filtered by its port', async () => {
    const server = await listening('127.0.0.1');
    try {
      const { port } = server.address() as net.AddressInfo;
      const observer = createNetstatObserver();
      expect(observer).toMatchObject({ name: 'netstat', periodMs: 10 });
      const sampled = await observer.sample(new Set([port]));
      // Only rows with this port; another socket of the machine might have it as remote port.
      expect(sampled.every((r) => r.local.port === port || r.remote.port === port)).toBe(true);
      expect(only(sampled, (r) => r.local.port === port)).toMatchObject({
        state: 'LISTEN',
        local: { address: '127.0.0.1', port },
        remote: { address: '0.0.0.0', port: 0 },
      });
    } finally {
      server.close();
    }
  });

  it("spells a dual-stack listener and its v4-mapped connection as Node's sockets do", async () => {
    const server = await listening('::');
    const { port, address } = server.address() as net.AddressInfo;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    try {
      const peer = await accepted;
      const sampled = await createNetstatObserver().sample(new Set([port]));
      expect(only(sampled, (r) => r.state === 'LISTEN').local).toEqual({ address, port });
      const row = only(sampled, (r) => r.local.port === port && r.state === 'ESTABLISHED');
      expect(row.local).toEqual({ address: peer.localAddress, port: peer.localPort });
      expect(row.remote).toEqual({ address: peer.remoteAddress, port: peer.remotePort });
    } finally {
      client.destroy();
      server.close();
    }
  });

  it("rejects with execFile's ENOENT error when netstat is missing", async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(createNetstatObserver().sample(new Set())).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      process.env.PATH = path;
    }
  });
});
