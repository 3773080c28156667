import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { KernelTimer, SocketRow } from '../../src/observe/row.js';
import { createSsObserver, parseSs, parseSsDuration, ssArgs } from '../../src/observe/ss.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/observe/${name}.txt`, import.meta.url), 'utf8');
const rows = parseSs(fixture('ss-tanoH'));

function only(list: SocketRow[], match: (row: SocketRow) => boolean): SocketRow {
  const found = list.filter(match);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function timerOf(row: SocketRow): KernelTimer {
  expect(row.timer).toBeDefined();
  return row.timer!;
}

function listening(host: string): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, host, () => resolve(server));
  });
}

describe('parseSs on captured `ss -tanoH`', () => {
  it('translates every state spelling (ESTAB, SYN-SENT, FIN-WAIT-1 ...)', () => {
    expect(rows).toHaveLength(43);
    expect(new Set(rows.map((r) => r.state))).toEqual(
      new Set([
        'LISTEN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2',
        'TIME_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING',
      ]),
    );
  });

  it('takes `*`, `[::]`, `[::1]` and `[::ffff:127.0.0.1]` to Node spellings', () => {
    // `*:7030`: the dual-stack listener; `[::]:7031`: the v6-only one.
    expect(only(rows, (r) => r.local.port === 7030 && r.state === 'LISTEN')).toMatchObject({
      local: { address: '::' },
      remote: { address: '::', port: 0 },
    });
    expect(only(rows, (r) => r.local.port === 7031).local.address).toBe('::');
    expect(only(rows, (r) => r.local.port === 7020 && r.state === 'LISTEN').local.address).toBe('::1');
    expect(only(rows, (r) => r.local.port === 7033 && r.state === 'LISTEN').local.address).toBe('::ffff:127.0.0.1');
    expect(only(rows, (r) => r.remote.port === 7030).local.address).toBe('::ffff:127.0.0.1');
    expect(only(rows, (r) => r.local.port === 7032).remote).toEqual({ address: '0.0.0.0', port: 0 });
  });

  it('reads queues, leaving out the backlog a listener shows as Send-Q', () => {
    const listener = only(rows, (r) => r.local.port === 7080 && r.state === 'LISTEN');
    expect(listener.recvQueue).toBe(2);
    expect(listener.sendQueue).toBeUndefined();
    expect(only(rows, (r) => r.state === 'FIN_WAIT1')).toMatchObject({ recvQueue: 0 });
    expect(only(rows, (r) => r.state === 'FIN_WAIT1').sendQueue).toBeGreaterThan(1_000_000);
  });

  it('reads the timers, with the `1.348ms` spelling of iproute2 < 6.11 meaning 1.348 s', () => {
    const text = fixture('ss-tanoH');
    for (const state of ['FIN_WAIT1', 'LAST_ACK', 'CLOSING'] as const) {
      expect(timerOf(only(rows, (r) => r.state === state))).toMatchObject({ kind: 'persist', retries: 0 });
    }
    expect(text).toMatch(/FIN-WAIT-1 .* timer:\(persist,\d\.\d{3}ms,0\)/);
    expect(timerOf(only(rows, (r) => r.state === 'FIN_WAIT1')).remainingMs).toBeGreaterThan(1000);
    expect(timerOf(only(rows, (r) => r.state === 'FIN_WAIT1')).remainingMs).toBeLessThan(10_000);
    expect(timerOf(only(rows, (r) => r.state === 'SYN_RECV'))).toMatchObject({ kind: 'retransmit', retries: 1 });
    const synSent = rows.filter((r) => r.state === 'SYN_SENT');
    expect(synSent).toHaveLength(2);
    for (const row of synSent) {
      expect(timerOf(row)).toMatchObject({ kind: 'retransmit', retries: 1 });
      expect(row.timer!.remainingMs).toBeGreaterThan(0);
      expect(row.timer!.remainingMs).toBeLessThanOrEqual(2000);
    }
    // Past 10 s ss prints whole seconds: `58sec`.
    for (const port of [7050, 7051]) {
      const timeWait = timerOf(only(rows, (r) => r.remote.port === port));
      expect(timeWait).toMatchObject({ kind: 'timewait', retries: 0 });
      expect(timeWait.remainingMs % 1000).toBe(0);
      expect(timeWait.remainingMs).toBeGreaterThan(50_000);
    }
    expect(timerOf(only(rows, (r) => r.remote.port === 7090))).toMatchObject({ kind: 'keepalive', retries: 0 });
    expect(only(rows, (r) => r.state === 'CLOSE_WAIT').timer).toBeUndefined();
  });

  it('reads `ss -tanH` (no -o) as the same sockets without timers', () => {
    const plain = parseSs(fixture('ss-tanH'));
    expect(plain.every((r) => r.timer === undefined)).toBe(true);
    expect(plain).toEqual(rows.map(({ timer: _timer, ...rest }) => rest));
  });

  it('skips headers, accepts a Netid column and extra fields', () => {
    const text = [
      'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
      'tcp   ESTAB  0      5      127.0.0.1%lo:22    [::ffff:10.0.0.2]:51000 timer:(on,1min2sec,3) uid:1000 ino:4242 sk:1 <->',
      'State  Recv-Q Send-Q Local Address:Port Peer Address:Port',
      'UNCONN 0      0      [fe80::1]%eth0:80   [::]:*  timer:(delack,,0)',
      '',
    ].join('\n');
    expect(parseSs(text)).toEqual([
      {
        local: { address: '127.0.0.1', port: 22 },
        remote: { address: '::ffff:10.0.0.2', port: 51000 },
        state: 'ESTABLISHED',
        recvQueue: 0,
        sendQueue: 5,
        timer: { kind: 'retransmit', remainingMs: 62_000, retries: 3 },
        uid: 1000,
        inode: 4242,
      },
      {
        local: { address: 'fe80::1', port: 80 },
        remote: { address: '::', port: 0 },
        state: 'CLOSED',
        recvQueue: 0,
        sendQueue: 0,
        timer: { kind: 'delack', remainingMs: 0, retries: 0 },
      },
    ]);
  });

  it('names an unknown state and its line', () => {
    expect(() => parseSs('SYN-WAIT 0 0 127.0.0.1:1 127.0.0.1:2')).toThrow(/ss: unknown state `SYN-WAIT`/);
  });
});

describe('parseSsDuration', () => {
  it('reads every spelling of print_ms_timer', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['884ms', 884],
      ['084ms', 84],
      ['1.348ms', 1348],
      ['1.348sec', 1348],
      ['9.005sec', 9005],
      ['59sec', 59_000],
      ['10sec', 10_000],
      ['1min', 60_000],
      ['1min2sec', 62_000],
      ['12min', 720_000],
      ['120min', 7_200_000],
    ];
    for (const [text, ms] of cases) expect(parseSsDuration(text), text).toBe(ms);
  });

  it('rejects anything else', () => {
    expect(() => parseSsDuration('1h')).toThrow(/expected a duration/);
    expect(() => parseSsDuration('1.5sec')).toThrow();
  });
});

describe('ssArgs', () => {
  it('adds a kernel-side port filter only when there are ports', () => {
    expect(ssArgs(new Set())).toEqual(['-tanoH']);
    expect(ssArgs(new Set([80, 443]))).toEqual([
      '-tanoH', '(',
      'sport', '=', ':80', 'or', 'dport', '=', ':80', 'or',
      'sport', '=', ':443', 'or', 'dport', '=', ':443',
      ')',
    ]);
  });
});

describe('createSsObserver on this machine', () => {
  it('sees a listener the test opens, filtered by its port', async () => {
    const server = await listening('127.0.0.1');
    try {
      const { port } = server.address() as net.AddressInfo;
      const observer = createSsObserver();
      expect(observer).toMatchObject({ name: 'ss', periodMs: 5 });
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
      const sampled = await createSsObserver().sample(new Set([port]));
      expect(only(sampled, (r) => r.state === 'LISTEN').local).toEqual({ address, port });
      const row = only(sampled, (r) => r.local.port === port && r.state === 'ESTABLISHED');
      expect(row.local).toEqual({ address: peer.localAddress, port: peer.localPort });
      expect(row.remote).toEqual({ address: peer.remoteAddress, port: peer.remotePort });
    } finally {
      client.destroy();
      server.close();
    }
  });

  it("rejects with execFile's ENOENT error when ss is missing", async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(createSsObserver().sample(new Set())).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      process.env.PATH = path;
    }
  });
});
