// The human report: per lab a header, the explanation, a tcpstates-like table of every socket's
// observed states (fits 80 columns), the lab's steps, the expectations, and the failure line.

import pc from 'picocolors';
import type { KernelTimer } from '../observe/row.js';
import type { LabResult } from '../runner/result.js';
import { formatSegments } from './human-segments.js';

const FAMILY_TEXT = { '4': 'IPv4', '6': 'IPv6', mapped: 'v4-mapped IPv6' } as const;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function num(v: number): string {
  return v.toFixed(1);
}

/** `timewait 59.9s`, `persist 0.2s #3`, `on 1.0s #2` (retransmit). */
export function timerText(t: KernelTimer | undefined): string {
  if (!t) return '';
  const left = t.remainingMs >= 10_000 ? `${Math.round(t.remainingMs / 1000)}s` : `${(t.remainingMs / 1000).toFixed(1)}s`;
  return `${t.kind} ${left}${t.retries > 0 ? ` #${t.retries}` : ''}`;
}

/** An endpoint as the table shows it: `:port` on the lab's own host, in full otherwise. */
function shortEndpoint(endpoint: string, hosts: Set<string>): string {
  const m = /^(.*):(\d+)$/.exec(endpoint);
  if (!m) return endpoint;
  const addr = m[1]!.replace(/^\[|\]$/g, '');
  if (m[2] === '0' && (addr === '0.0.0.0' || addr === '::')) return '*';
  return hosts.has(addr) ? `:${m[2]}` : endpoint;
}

function statusWord(r: LabResult): string {
  switch (r.status) {
    case 'passed':
      return pc.green('PASS');
    case 'failed':
      return pc.red('FAIL');
    case 'skipped':
      return pc.yellow('SKIP');
    default: {
      const never: never = r.status;
      return never;
    }
  }
}

export function hostOf(r: LabResult): string {
  return r.family === '4' ? '127.0.0.1' : r.family === '6' ? '::1' : '::ffff:127.0.0.1';
}

export function formatStateTable(r: LabResult): string[] {
  const hosts = new Set([hostOf(r), '0.0.0.0', '::']);
  const lines = [pc.dim(`  ${pad('SOCKET', 10)} ${pad('LOCAL', 7)} ${pad('REMOTE', 7)} ${pad('STATE', 12)} ${lpad('AT ms', 8)} ${lpad('FOR ms', 8)}  TIMER`)];
  for (const s of r.sockets) {
    s.states.forEach((st, i) => {
      const first = i === 0;
      const dur = st.state === 'CLOSED' ? '' : num(st.untilMs - st.atMs);
      lines.push(
        `  ${pad(first ? s.name : '', 10)} ${pad(first ? shortEndpoint(s.local, hosts) : '', 7)} ${pad(first ? shortEndpoint(s.remote, hosts) : '', 7)} ` +
          `${pad(st.state, 12)} ${lpad(num(st.atMs), 8)} ${lpad(dur, 8)}  ${timerText(st.timer)}`.trimEnd(),
      );
    });
  }
  return lines;
}

export function formatSteps(r: LabResult): string[] {
  const lines: string[] = [];
  for (const e of r.events) {
    if (e.kind === 'node' && (e.what === 'data' || e.what === 'drain')) continue;
    const where = e.where ? pc.dim(`  ${e.where.replace(/^.*\//, '')}`) : '';
    const what = e.kind === 'node' ? pc.cyan(`<- ${e.what}${e.code ? ` ${e.code}` : ''}`) : e.kind === 'note' ? pc.magenta('note') : e.what;
    lines.push(`  ${lpad(num(e.atMs), 8)}  ${pad(e.actor ?? '', 10)} ${what}${e.detail ? ` ${pc.dim(e.detail)}` : ''}${where}`);
  }
  return lines;
}

/** What a capture that lost packets (or could not say whether it did) means, or undefined where it lost none. */
export function captureDroppedText(r: LabResult): string | undefined {
  if (!r.capture || r.capture.dropped === 0) return undefined;
  const what = r.capture.dropped === null ? 'the capture could not say whether it dropped packets (dumpcap died before it could)' : `the capture dropped ${r.capture.dropped} packets`;
  return `${what}: the ladder and the expectations on packets may miss segments`;
}

export function formatLab(r: LabResult): string {
  const out: string[] = [];
  const net = r.network === 'netns' ? 'private netns' : 'host loopback';
  out.push(`${statusWord(r)} ${pc.bold(r.name)}  ${pc.dim(`${r.file} · ${Math.round(r.durationMs)} ms · ${r.observer}${r.resolutionMs > 0 ? ` every ${num(r.resolutionMs)} ms` : ''} (${r.samples} samples) · ${FAMILY_TEXT[r.family]} · ${net}`)}`);
  out.push(`  ${r.explain}`);
  if (r.status === 'skipped') {
    out.push(pc.yellow(`  skipped: ${r.reason ?? ''}`));
    return out.join('\n');
  }
  if (r.sockets.length > 0) {
    out.push('', ...formatStateTable(r));
  }
  const steps = formatSteps(r);
  if (steps.length > 0) out.push('', pc.dim('  STEPS AND NODE EVENTS (ms)'), ...steps);
  out.push(...formatSegments(r));
  if (r.expectations.length > 0) {
    out.push('');
    for (const x of r.expectations) {
      // The PACKETS line above says why there is no capture: once is enough.
      if (x.notChecked) out.push(`  ${pc.yellow('-')} ${x.text} ${pc.yellow(`(not checked: ${r.noCapture && x.notChecked.startsWith('no capture') ? 'no capture' : x.notChecked})`)}`);
      else out.push(`  ${x.ok ? pc.green('✓') : pc.red('✗')} ${x.text}${x.ok ? pc.dim(` (${x.observed})`) : ''}`);
    }
  }
  if (r.trace && r.trace.lost > 0) out.push('', pc.yellow(`  the kernel dropped ${r.trace.lost} trace events (ring buffer full): transitions may be missing`));
  const dropped = captureDroppedText(r);
  if (dropped) out.push('', pc.yellow(`  ${dropped}`));
  if (r.failure) out.push('', pc.red(r.failure));
  return out.join('\n');
}

export function formatSummary(results: LabResult[], wallMs: number): string {
  const count = (s: LabResult['status']) => results.filter((r) => r.status === s).length;
  const parts = [`${count('passed')} passed`, `${count('failed')} failed`, `${count('skipped')} skipped`];
  const text = `${parts.join(', ')} (${(wallMs / 1000).toFixed(1)} s)`;
  return count('failed') > 0 ? pc.red(text) : pc.green(text);
}
