// Before a lab runs: is everything it needs here, and, inside its private namespace, loopback
// up and the lab's sysctls written. Sysctls are only ever written inside a namespace tcplab made.

import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { captureUnavailable } from '../capture/capture.js';
import type { LabDefinition, Need } from '../lab/define.js';

const PROGRAM: Record<Exclude<Need, 'netns' | 'capture'>, { program: string; pkg: string }> = {
  nft: { program: 'nft', pkg: 'nftables' },
  hping3: { program: 'hping3', pkg: 'hping3' },
  'redis-server': { program: 'redis-server', pkg: 'redis-server' },
};

function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** Why the lab cannot run here (one line, with what to do), or undefined. */
export function missingNeed(def: LabDefinition, network: 'netns' | 'host', netnsReason?: string, capture = true): string | undefined {
  const needs = new Set(def.options.needs ?? []);
  if (def.options.sysctls && Object.keys(def.options.sysctls).length > 0) needs.add('netns');
  for (const need of needs) {
    switch (need) {
      case 'netns':
        if (network !== 'netns') {
          return `needs a private network namespace (it changes sysctls or drops packets), and ${netnsReason ?? 'this run uses the host\'s loopback (--no-netns)'}`;
        }
        break;
      case 'capture': {
        if (network !== 'netns') return `needs a packet capture, which tcplab makes only in a private network namespace, and ${netnsReason ?? 'this run uses the host\'s loopback (--no-netns)'}`;
        if (!capture) return 'needs a packet capture, and this run has --no-capture';
        const missing = captureUnavailable();
        if (missing) return `needs a packet capture, and ${missing}`;
        break;
      }
      case 'nft':
      case 'hping3':
      case 'redis-server': {
        const { program, pkg } = PROGRAM[need];
        if (!installed(program)) return `needs \`${program}\`, which is not installed (apt-get install ${pkg})`;
        break;
      }
      default: {
        const never: never = need;
        throw new TypeError(`unknown need ${String(never)}`);
      }
    }
  }
  // A sysctl this kernel does not have (tcp_syn_linear_timeouts before 6.5): the lab cannot show here what it shows.
  if (network === 'netns') {
    for (const key of Object.keys(def.options.sysctls ?? {})) {
      if (/^net\.[a-z0-9_.]+$/.test(key) && !existsSync(sysctlPath(key))) return `needs the sysctl ${key}, which this kernel (${os.release()}) does not have`;
    }
  }
  return undefined;
}

/** `net.ipv4.tcp_fin_timeout` as its file under /proc/sys. */
function sysctlPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

/** Inside the lab's fresh namespace: loopback up, then the lab's sysctls. */
export function prepareNamespace(def: LabDefinition): void {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`could not bring up loopback in the lab's namespace: ${(up.stderr || up.error?.message || '').trim()}`);
  for (const [key, value] of Object.entries(def.options.sysctls ?? {})) {
    if (!/^net\.[a-z0-9_.]+$/.test(key)) throw new TypeError(`sysctl \`${key}\` is not a network sysctl; a lab may only set net.* in its own namespace`);
    try {
      writeFileSync(sysctlPath(key), `${value}\n`);
    } catch (err) {
      throw new Error(`could not set ${key}=${value} in the lab's namespace: ${(err as Error).message}`);
    }
  }
}
