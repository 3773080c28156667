// The human report's segments: one line per captured segment, tcpdump-like but with the lab's
// socket names and relative numbers, the first ones only when a lab sent thousands.

import pc from 'picocolors';
import type { LabResult, SegmentJson } from '../runner/result.js';

/** Segments shown before the rest is left to `--json` and `--pcap`. */
const SHOWN = 40;

function optionsText(o: SegmentJson['options']): string {
  const parts = [
    ...(o.mss !== undefined ? [`mss ${o.mss}`] : []),
    ...(o.sackPermitted ? ['sackOK'] : []),
    ...(o.sack ? [`sack ${o.sack.map(([l, r]) => `${l}-${r}`).join(' ')}`] : []),
    ...(o.wscale !== undefined ? [`wscale ${o.wscale}`] : []),
  ];
  return parts.length > 0 ? ` <${parts.join(',')}>` : '';
}

/** `    12.345  A -> B      FIN|ACK seq=1 ack=1 win=65536` */
export function segmentLine(s: SegmentJson): string {
  const who = `${s.from ?? s.src} -> ${s.to ?? s.dst}`;
  const ack = s.flags.includes('ACK') ? ` ack=${s.relAck}` : '';
  const len = s.len > 0 ? ` len=${s.len}` : '';
  const analysis = s.analysis.length > 0 ? ` ${pc.yellow(`[${s.analysis.join(', ')}]`)}` : '';
  return `  ${s.atMs.toFixed(3).padStart(10)}  ${who.padEnd(16)} ${s.flags} seq=${s.relSeq}${ack}${len} win=${s.win}${optionsText(s.options)}${analysis}`;
}

/** The section's lines: a heading with the capture's counts, then the segments; or why there are none. */
export function formatSegments(r: LabResult): string[] {
  if (!r.segments) return r.noCapture ? ['', pc.dim(`  PACKETS not captured: ${r.noCapture}`)] : [];
  const dropped = r.capture?.dropped === null ? ', drops unknown' : r.capture?.dropped ? `, ${r.capture.dropped} dropped` : '';
  const lines = ['', pc.dim(`  PACKETS (ms; seq and ack relative) ${r.segments.length} captured${dropped}`)];
  lines.push(...r.segments.slice(0, SHOWN).map(segmentLine));
  if (r.segments.length > SHOWN) lines.push(pc.dim(`  ... ${r.segments.length - SHOWN} more: --json or --pcap DIR has them all`));
  return lines;
}
