// Private network namespaces for labs: probing what this machine allows, and the command
// that starts a lab process inside a fresh namespace with a private established-hash table.
//
// The table is sized by `net.ipv4.tcp_child_ehash_entries`, which applies to namespaces created
// FROM the namespace where it is set: so it is set in an intermediate namespace, and the lab's
// namespace is created inside that one. The host's own sysctls are never written.

import { spawnSync } from 'node:child_process';

export type NetnsMode = 'root' | 'userns';

export interface NetnsProbe {
  mode: NetnsMode | undefined;
  /** Why no namespace can be made here, when `mode` is undefined. */
  reason?: string;
}

/** Buckets of the lab namespace's private established-hash table (a power of two). */
export const DEFAULT_EHASH_BUCKETS = 1024;

let cached: NetnsProbe | undefined;

function works(cmd: string, args: string[]): { ok: boolean; error: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return { ok: r.status === 0, error: (r.error?.message ?? r.stderr ?? '').trim().split('\n')[0] ?? '' };
}

/** Finds out once whether this process can create network namespaces, and how. */
export function probeNetns(): NetnsProbe {
  if (cached) return cached;
  if (!works('sh', ['-c', 'command -v unshare']).ok) {
    return (cached = { mode: undefined, reason: 'unshare (util-linux) is not installed' });
  }
  if (!works('sh', ['-c', 'command -v ip']).ok) {
    return (cached = { mode: undefined, reason: '`ip` (iproute2) is not installed; install it to bring up loopback in a namespace' });
  }
  if (process.getuid?.() === 0) {
    const r = works('unshare', ['--net', 'true']);
    if (r.ok) return (cached = { mode: 'root' });
  }
  const u = works('unshare', ['--user', '--map-root-user', '--net', 'true']);
  if (u.ok) return (cached = { mode: 'userns' });
  return (cached = { mode: undefined, reason: `this user cannot create network namespaces (unshare: ${u.error || 'refused'})` });
}

/** The command and arguments that run `argv` inside a fresh lab namespace. */
export function inNetns(mode: NetnsMode, argv: string[], ehashBuckets = DEFAULT_EHASH_BUCKETS, privateMounts = false): [string, string[]] {
  const outer = [...(mode === 'root' ? ['--net'] : ['--user', '--map-root-user', '--net']), ...(privateMounts ? ['--mount'] : [])];
  const script = `echo ${ehashBuckets} > /proc/sys/net/ipv4/tcp_child_ehash_entries || exit 97; exec unshare --net -- "$@"`;
  return ['unshare', [...outer, '--', 'sh', '-c', script, 'tcplab-netns', ...argv]];
}
