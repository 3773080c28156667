// A real redis-server for one lab, started inside the lab's network namespace on its loopback
// (or through a prefix, e.g. in a namespace of its own) with a config of its own in a fresh
// temporary folder (removed when stopped, and at exit).
// Persistence is the lab's choice: none at all, or an append-only file fsynced on every write.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LabContext, StartedProcess } from '../lab/define.js';
import type { RedisEndpoint } from './redis-client.js';

/** What startRedis needs of a lab: its loopback address, a free port, and `start()`. */
export type RedisStarter = Pick<LabContext, 'host' | 'unusedPort' | 'start'>;

export interface RedisServerOptions {
  /** `none`: nothing survives a restart; `aof-always`: every write is in the AOF, fsynced, before the reply. */
  persistence?: 'none' | 'aof-always';
  /** Name on the lab's timeline (default `redis`). */
  name?: string;
  /** Where to listen instead of the lab's loopback and a free port there (e.g. an address of a host of its own). */
  bind?: RedisEndpoint;
  /**
   * A command that runs redis-server for the lab, e.g. in a network namespace of its own:
   * `redis-server CONF` is appended to its arguments and it must exec it (or wait for it).
   */
  prefix?: string[];
}

/** A running redis-server of the lab. */
export interface StartedRedis extends RedisEndpoint {
  /** Its process id (changes on restart). */
  readonly pid: number;
  /** Its folder: config, append-only files. */
  readonly dir: string;
  /** Kills it (SIGKILL: a crash, unless `{ crash: false }` asks for SIGTERM) and starts it again on the same port. */
  restart(options?: { crash?: boolean }): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

const READY = /Ready to accept connections/;

/** The config file's text: loopback only, no daemon, persistence as asked. */
export function redisConfig(host: string, port: number, dir: string, persistence: 'none' | 'aof-always'): string {
  return [
    `bind ${host}`,
    `port ${port}`,
    'daemonize no',
    'protected-mode no',
    `dir ${dir}`,
    'logfile ""',
    'save ""',
    persistence === 'aof-always' ? 'appendonly yes' : 'appendonly no',
    'appendfsync always',
    'databases 1',
    '',
  ].join('\n');
}

/** Folders still to remove when this process exits (a lab that failed before stop()). */
const leftover = new Set<string>();
let exitHook = false;

function removeAtExit(dir: string): void {
  leftover.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const d of leftover) rmSync(d, { recursive: true, force: true });
  });
}

/**
 * Starts redis-server for the lab `t`, on `t.host` (127.0.0.1 for v4-mapped labs) and a free port,
 * or where `bind` says, through `prefix` when given (a restart runs the prefix again).
 */
export async function startRedis(t: RedisStarter, options: RedisServerOptions = {}): Promise<StartedRedis> {
  const persistence = options.persistence ?? 'none';
  if (persistence !== 'none' && persistence !== 'aof-always') {
    throw new TypeError(`Expected the \`persistence\` option to be 'none' or 'aof-always', got \`${String(persistence)}\``);
  }
  if (options.prefix !== undefined && !(Array.isArray(options.prefix) && options.prefix.length > 0 && options.prefix.every((a) => typeof a === 'string'))) {
    throw new TypeError(`Expected the \`prefix\` option to be a non-empty array of strings, got \`${String(options.prefix)}\``);
  }
  const host = options.bind?.host ?? (t.host.startsWith('::ffff:') ? t.host.slice('::ffff:'.length) : t.host);
  const port = options.bind?.port ?? await t.unusedPort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tcplab-redis-'));
  removeAtExit(dir);
  const conf = path.join(dir, 'redis.conf');
  writeFileSync(conf, redisConfig(host, port, dir, persistence));
  const name = options.name ?? 'redis';
  const argv = [...(options.prefix ?? []), 'redis-server', conf];
  const launch = () => t.start(argv[0]!, argv.slice(1), { ready: READY, name, cwd: dir, timeoutMs: 10_000 });
  let proc: StartedProcess = await launch();
  return {
    host,
    port,
    dir,
    get pid() {
      return proc.pid;
    },
    restart: async ({ crash = true } = {}) => {
      if (crash) {
        proc.signal('SIGKILL');
        await proc.exited();
      } else {
        await proc.stop();
      }
      proc = await launch();
    },
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      leftover.delete(dir);
    },
  };
}
