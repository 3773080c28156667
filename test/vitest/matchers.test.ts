// The vitest matchers on real sockets of this process, with the kernel's trace (root) and with
// polls of /proc: each passes when it should, fails in the harness's format when it should.

import net from 'node:net';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { observe } from '../../src/vitest/index.js';
import { eventually, isRoot, processesMatching, STRICT } from '../helpers.js';

/** A server that keeps its end open after the client's FIN unless `closes`; returns its port. */
async function server(closes: boolean): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('end', () => closes && s.end());
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    srv.close(() => resolve());
  }));
  return (srv.address() as net.AddressInfo).port;
}

/** Connects and, unless told `never`, half-closes after `holdMs`; resolves once its FIN is sent. */
function client(port: number, holdMs: number | 'never' = 0): Promise<net.Socket> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      if (holdMs === 'never') resolve(c);
      else setTimeout(() => c.end(() => resolve(c)), holdMs);
    });
    c.on('error', () => {});
    onTestFinished(() => void c.destroy());
  });
}

const LINE = /^test\/vitest\/matchers\.test\.ts:\d+: expected /;

for (const observer of ['trace', 'proc'] as const) {
  describe.skipIf(observer === 'trace' && !isRoot() && !STRICT)(`matchers (${observer})`, () => {
    it('toHaveSocketIn passes when the server sits in CLOSE_WAIT, and its .not with after catches the leak', async () => {
      const port = await server(false);
      const obs = await observe({ port, observer });
      await client(port);
      await expect(obs).toHaveSocketIn('CLOSE_WAIT', { within: 1000 });
      await expect(obs).toHaveSocketIn('CLOSE_WAIT', { within: 1000, after: 100 });
      const failed = await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 200 }).then(() => undefined, (e: Error) => e.message);
      expect(failed).toMatch(LINE);
      expect(failed).toMatch(new RegExp(`expected no socket of port ${port} to stay in CLOSE_WAIT for 200 ms; observed server 127\\.0\\.0\\.1:${port}<-127\\.0\\.0\\.1:\\d+: .*CLOSE_WAIT [\\d.]+-now .*ms in CLOSE_WAIT \\((trace|proc every 5 ms)\\)$`));
      expect(failed).toContain(observer === 'trace' ? '(trace)' : '(proc every 5 ms)');
    });

    it('.not.toHaveSocketIn with after fails against a leak asserted the moment the FIN is sent, every time', async () => {
      // The kernel's transition (and the observation's) may trail the FIN: the window catches it.
      for (let i = 0; i < 10; i++) {
        const port = await server(false);
        const obs = await observe({ port, observer });
        await client(port);
        const failed = await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 100 }).then(() => 'passed', (e: Error) => e.message);
        expect(failed).toMatch(/expected no socket of port \d+ to stay in CLOSE_WAIT for 100 ms; observed server .*CLOSE_WAIT/);
        await obs.stop();
      }
    });

    it('toHaveSocketIn fails, pointing at its line, when the state never comes', async () => {
      const port = await server(false);
      const obs = await observe({ port, observer });
      await client(port, 'never');
      const at = new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1];
      const failed = await expect(obs).toHaveSocketIn('CLOSE_WAIT', { within: 150 }).then(() => undefined, (e: Error) => e.message);
      expect(failed).toMatch(new RegExp(`^test/vitest/matchers\\.test\\.ts:${Number(at) + 1}: expected a socket of port ${port} to be in CLOSE_WAIT within 150 ms; observed .*server 127\\.0\\.0\\.1:${port}<-[^:]+:\\d+: .*ESTABLISHED [\\d.]+-now`));
    });

    it('.not.toHaveSocketIn with after passes once every CLOSE_WAIT has ended in time', async () => {
      const port = await server(true);
      const obs = await observe({ port, observer });
      await client(port, 100);
      await expect(obs).not.toHaveSocketIn('CLOSE_WAIT', { after: 500 });
      // The connection was seen (it lived 100 ms): the pass above is not for want of a socket.
      await expect(obs).toHaveSocketIn('ESTABLISHED', { within: 0, after: 20 });
    });

    it('toFollowPath matches the closing sides, with optional steps the observer may miss', async () => {
      const port = await server(true);
      const obs = await observe({ port, observer });
      await client(port, 100);
      await expect(obs).toFollowPath(['ESTABLISHED', 'FIN_WAIT1?', 'FIN_WAIT2?', 'TIME_WAIT']);
      await expect(obs).toFollowPath(['ESTABLISHED', 'CLOSE_WAIT?', 'LAST_ACK?', 'CLOSED']);
      await expect(obs).not.toFollowPath(['ESTABLISHED', 'CLOSING'], { within: 100 });
      const failed = await expect(obs).toFollowPath(['SYN_SENT', 'CLOSED'], { within: 50 }).then(() => undefined, (e: Error) => e.message);
      expect(failed).toMatch(LINE);
      expect(failed).toContain('to follow SYN_SENT -> CLOSED within 50 ms; observed ');
    });

    it('toHaveCountIn counts the kernel\'s table now, and waits with within', async () => {
      const port = await server(true);
      const obs = await observe({ port, observer });
      for (let i = 0; i < 3; i++) await client(port);
      await expect(obs).toHaveCountIn('TIME_WAIT', { atLeast: 3, atMost: 3, within: 1000 });
      const failed = await expect(obs).toHaveCountIn('TIME_WAIT', { atMost: 2 }).then(() => undefined, (e: Error) => e.message);
      expect(failed).toMatch(new RegExp(`expected at most 2 sockets of port ${port} in TIME_WAIT; observed 3 in TIME_WAIT`));
    });

    it('the observation reads sockets by pid too, and stops with the test', async () => {
      const port = await server(false);
      const obs = await observe({ pid: process.pid, observer });
      await client(port);
      await expect(obs).toHaveSocketIn('CLOSE_WAIT', { within: 1000 });
      expect(obs.sockets().some((s) => s.side === 'socket' && s.local.port === port && s.states.some((x) => x.state === 'CLOSE_WAIT'))).toBe(true);
    });
  });
}

describe('bad input', () => {
  it('observe() needs exactly one of port or pid, in range', async () => {
    await expect(observe({})).rejects.toThrow('Expected observe() to get exactly one of `port` or `pid`');
    await expect(observe({ port: 70000 })).rejects.toThrow('Expected the `port` option to be an integer from 1 to 65535, got `70000`');
    await expect(observe({ port: 1, observer: 'ss' as 'proc' })).rejects.toThrow('Expected the `observer` option to be auto, trace or proc, got `ss`');
  });

  it('a matcher refuses an unknown state and anything but an observation', async () => {
    const obs = await observe({ port: 1, observer: 'proc' });
    await expect(expect(obs).toHaveSocketIn('CLOSE-WAIT' as 'CLOSE_WAIT')).rejects.toThrow(/unknown state `CLOSE-WAIT`/);
    await expect(expect(42).toHaveSocketIn('CLOSE_WAIT')).rejects.toThrow(/expects an observation/);
  });
});

afterAll(async () => {
  // Every observation stopped with its test: no trace child is left.
  expect(await eventually(() => processesMatching('watch --port').length === 0 && processesMatching('watch --pid').length === 0, 5000)).toBe(true);
});
