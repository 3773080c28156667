// For the lock tests: a real redis-server on 127.0.0.1 and a random port, in a temporary folder,
// started through the same startRedis() the labs use, with a stand-in for the lab's `start()`.
// Whatever happens, every server started here is killed when the test file ends or exits.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, it } from 'vitest';
import type { StartedProcess } from '../../src/lab/define.js';
import { startRedis, type RedisServerOptions, type RedisStarter, type StartedRedis } from '../../src/lock/redis-server.js';
import { hasProgram, STRICT } from '../helpers.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** LabContext's `start()`, `host` and `unusedPort()`, outside a lab. */
export const starter: RedisStarter = {
  host: '127.0.0.1',
  unusedPort: freePort,
  start: (program, args, options) => new Promise<StartedProcess>((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
    children.add(child);
    let output = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
      child.on('close', (code, signal) => {
        children.delete(child);
        done({ code, signal });
      });
    });
    const handle: StartedProcess = {
      pid: child.pid!,
      get output() {
        return output;
      },
      signal: (sig) => child.kill(sig),
      stop: () => {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        return exited;
      },
      exited: () => exited,
    };
    const timer = setTimeout(() => reject(new Error(`${program} not ready: ${output}`)), options.timeoutMs ?? 5000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (options.ready.test(output)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    void exited.then(() => reject(new Error(`${program} exited before it was ready: ${output}`)));
  }),
};

/** Whether the lock tests can run; registers a skip (or, in strict mode, a failure) when not. */
export function redisAvailable(): boolean {
  if (hasProgram('redis-server')) return true;
  if (STRICT) it('needs redis-server', () => { throw new Error('strict mode: install redis-server (apt-get install redis-server)'); });
  else it.skip('needs redis-server (apt-get install redis-server)', () => {});
  return false;
}

/** A redis-server for the enclosing describe block: started before its tests, stopped after. */
export function useRedis(options: RedisServerOptions = {}): () => StartedRedis {
  let server: StartedRedis | undefined;
  beforeAll(async () => {
    server = await startRedis(starter, options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('redis-server did not start');
    return server;
  };
}
