// Counting by state: the one-column scan agrees with the proc parser and with ss on captured
// tables, the report order, and counts of live sockets of this process narrowed by port and pid.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { countByState, countSides, countSockets, countStatesInText, emptyCounts, rankStates, totalOf } from '../../src/inventory/census.js';
import { parseProcNetTcp } from '../../src/observe/proc.js';
import { parseSs } from '../../src/observe/ss.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'latin1');

describe('countStatesInText', () => {
  it('agrees with the proc parser and with ss -tanH on the captured moment of test/fixtures/observe', () => {
    const tcp = fixture('observe/proc-net-tcp.txt');
    const tcp6 = fixture('observe/proc-net-tcp6.txt');
    const scanned = countStatesInText(tcp6, true, countStatesInText(tcp, false));
    expect(scanned).toEqual(countByState([...parseProcNetTcp(tcp), ...parseProcNetTcp(tcp6)]));
    expect(scanned).toEqual(countByState(parseSs(fixture('observe/ss-tanH.txt'))));
    expect(totalOf(scanned)).toBe(43);
  });

  it('reads the state on both sides of the 10 000th line, where `sl` widens', () => {
    const expected = { 'proc-net-tcp-wide': { LISTEN: 3, ESTABLISHED: 2, TIME_WAIT: 5 }, 'proc-net-tcp6-wide': { LISTEN: 3, TIME_WAIT: 7 } };
    for (const [file, counts] of Object.entries(expected)) {
      const text = fixture(`inventory/${file}.txt`);
      expect(text).toContain('\n10000: ');
      const rows = parseProcNetTcp(text);
      expect(rows).toHaveLength(10);
      const ipv6 = file.includes('tcp6');
      expect(countStatesInText(text, ipv6)).toEqual(countByState(rows));
      expect(countStatesInText(text, ipv6)).toEqual({ ...emptyCounts(), ...counts });
    }
  });

  it('says which line it could not read', () => {
    const header = fixture('observe/proc-net-tcp.txt').split('\n')[0];
    expect(() => countStatesInText(`${header}\n   0: 0100007F:1F90 00000000:0000 ZZ 0\n`, false)).toThrow(/no state where expected in line `0: 0100007F:1F90/);
    const v4line = fixture('observe/proc-net-tcp.txt').split('\n')[1];
    expect(() => countStatesInText(`${header}\n${v4line}\n`, true)).toThrow(/^\/proc\/net\/tcp6: no state where expected/);
    expect(countStatesInText(`${header}\n`, false)).toEqual(emptyCounts());
    expect(countStatesInText('', true)).toEqual(emptyCounts());
  });
});

describe('rankStates', () => {
  it('orders the states present by count, then by name, and keeps states asked for at zero', () => {
    const counts = { ...emptyCounts(), TIME_WAIT: 9, ESTABLISHED: 3, LISTEN: 3, CLOSE_WAIT: 1 };
    expect(rankStates(counts)).toEqual(['TIME_WAIT', 'ESTABLISHED', 'LISTEN', 'CLOSE_WAIT']);
    expect(rankStates(counts, ['SYN_SENT'])).toEqual(['TIME_WAIT', 'ESTABLISHED', 'LISTEN', 'CLOSE_WAIT', 'SYN_SENT']);
    expect(totalOf(counts)).toBe(16);
  });
});

function listening(host: string, options: net.ServerOpts = {}): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer(options).listen(0, host, () => resolve(server));
  });
}

function connected(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host, () => resolve(socket));
  });
}

describe('countSockets and countSides on live sockets of this process', () => {
  it('count a port\'s IPv4 and IPv6 sockets, a process\'s own, and each side of a port', async () => {
    const v4 = await listening('127.0.0.1', { allowHalfOpen: true });
    const v6 = await listening('::1');
    const accepted: net.Socket[] = [];
    v4.on('connection', (s) => accepted.push(s));
    v6.on('connection', (s) => accepted.push(s));
    const port4 = (v4.address() as net.AddressInfo).port;
    const port6 = (v6.address() as net.AddressInfo).port;
    const clients = [await connected(port4, '127.0.0.1'), await connected(port4, '127.0.0.1'), await connected(port6, '::1')];
    clients[0]!.end(); // the server (allowHalfOpen) stays CLOSE_WAIT, the client FIN_WAIT2
    try {
      await expect.poll(async () => (await countSockets({ port: port4 })).CLOSE_WAIT).toBe(1);
      expect(await countSockets({ port: port4 })).toMatchObject({ LISTEN: 1, ESTABLISHED: 2, CLOSE_WAIT: 1, FIN_WAIT2: 1 });
      expect(await countSockets({ port: port6 })).toMatchObject({ LISTEN: 1, ESTABLISHED: 2 });
      expect(await countSides(port4)).toMatchObject({ server: { LISTEN: 1, ESTABLISHED: 1, CLOSE_WAIT: 1 }, clients: { ESTABLISHED: 1, FIN_WAIT2: 1 } });
      const mine = await countSockets({ pid: process.pid });
      expect(mine.LISTEN).toBeGreaterThanOrEqual(2);
      expect(mine.CLOSE_WAIT).toBeGreaterThanOrEqual(1);
      expect(mine.ESTABLISHED).toBeGreaterThanOrEqual(4);
    } finally {
      for (const s of [...clients, ...accepted]) s.destroy();
      v4.close();
      v6.close();
    }
  });

  it('turns a missing process into one line', async () => {
    await expect(countSockets({ pid: 2 ** 22 + 1 })).rejects.toThrow(/^no process with pid 4194305$/);
    await expect(countSockets({ netns: { pid: 2 ** 22 + 1 } })).rejects.toThrow(/^no process with pid 4194305$/);
  });
});
