// The report's one stylesheet, inlined in the page (the run report and the tour's page): light and
// dark (prefers-color-scheme), a colour per TCP state, per socket (index in `result.sockets`) and
// per kind of segment.

import { TCP_STATES, type TcpState } from '../states.js';

/** Colour of each state's bands, boxes and chips, by phase of a connection's life. */
const STATE_COLOR: Record<TcpState, string> = {
  CLOSED: '#9ca3af',
  LISTEN: '#64748b',
  SYN_SENT: '#22c55e',
  SYN_RECV: '#16a34a',
  ESTABLISHED: '#3b82f6',
  FIN_WAIT1: '#f59e0b',
  FIN_WAIT2: '#d97706',
  CLOSE_WAIT: '#a855f7',
  LAST_ACK: '#7e22ce',
  CLOSING: '#ef4444',
  TIME_WAIT: '#14b8a6',
};

const SOCKET_COLORS = ['#2563eb', '#db2777', '#059669', '#9333ea', '#ea580c', '#0891b2', '#65a30d', '#b45309'];

const states = TCP_STATES.map((s) =>
  `.st-${s}{--st:${STATE_COLOR[s]}}`).join('');
const sockets = SOCKET_COLORS.map((c, i) => `.sock-${i}{--sock:${c}}`).join('');

export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--panel:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--skip:#9a6700;
--syn:#16a34a;--fin:#c2410c;--rst:#dc2626;--ack:#0e7490;--data:#1d4ed8}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--panel:#161b22;--ok:#3fb950;--bad:#f85149;--skip:#d29922;
--syn:#4ade80;--fin:#fb923c;--rst:#f87171;--ack:#22d3ee;--data:#60a5fa}}
${states}${sockets}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 24px 60px}
code,.mono,table{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{font-size:12.5px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:20px;margin:0}h3{font-size:15px;margin:22px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.muted{color:var(--muted)}
.summary{display:flex;flex-wrap:wrap;gap:8px 18px;align-items:baseline;padding:12px 16px;background:var(--panel);border:1px solid var(--line);border-radius:8px}
.count{font-weight:600}.count.passed{color:var(--ok)}.count.failed{color:var(--bad)}.count.skipped{color:var(--skip)}
nav ul{list-style:none;padding:0;margin:12px 0 0;display:flex;flex-wrap:wrap;gap:6px 14px}
nav a{color:inherit}
.badge{display:inline-block;min-width:44px;text-align:center;padding:2px 8px;border-radius:4px;font-weight:700;font-size:12px;color:#fff}
.badge.passed{background:var(--ok)}.badge.failed{background:var(--bad)}.badge.skipped{background:var(--skip)}
section.lab{margin-top:28px;padding:18px 20px;border:1px solid var(--line);border-radius:10px}
section.lab.failed{border-color:var(--bad);border-width:2px}
.lab-head{display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.meta{color:var(--muted);margin:6px 0}
.explain{margin:8px 0;max-width:100ch}
.failure{margin:12px 0;padding:10px 14px;border-left:5px solid var(--bad);background:color-mix(in srgb,var(--bad) 12%,transparent);color:var(--fg);font:600 13.5px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word}
.reason{padding:8px 12px;border-left:4px solid var(--skip)}
.warn{color:var(--skip)}
ul.expectations{list-style:none;padding:0;margin:0}
.expectation{padding:3px 0}
.expectation .mark{display:inline-block;width:1.3em;font-weight:700}
.expectation.ok .mark{color:var(--ok)}.expectation.fail .mark{color:var(--bad)}.expectation.unchecked{color:var(--muted)}
.expectation.fail .text{font-weight:600}
.expectation .observed{color:var(--muted)}.expectation .where{color:var(--muted);margin-left:6px;white-space:nowrap}
.figure{overflow-x:auto;border:1px solid var(--line);border-radius:8px;padding:8px;background:var(--panel)}
.figure svg{display:block;max-width:100%;height:auto}
.legend{color:var(--muted);font-size:12.5px;margin:6px 0 0}
svg text{fill:var(--fg);font-size:11px}
svg .line{stroke:currentColor;stroke-width:1.6;fill:none}svg .head{fill:currentColor}
svg .lane-name{font-weight:700;font-size:13px;fill:var(--sock)}svg .lane-addr{fill:var(--muted);font-family:ui-monospace,Menlo,monospace}
svg .lane-line{stroke:var(--line);stroke-width:1.5}
svg .state-mark rect{fill:var(--st)}
svg .state-label,svg .seg-label,svg .note-label,svg .step-label{paint-order:stroke;stroke:var(--panel);stroke-width:3px;stroke-linejoin:round}
svg .state-label{font-weight:600;fill:var(--st)}
.tint-syn{color:var(--syn)}.tint-fin{color:var(--fin)}.tint-rst{color:var(--rst)}.tint-ack{color:var(--ack)}.tint-data{color:var(--data)}
svg .segment .seg-label{fill:currentColor;font-weight:600}
svg .lost{stroke-dasharray:5 3}
svg .note-label{fill:var(--bad);font-style:italic}
svg .step-dot{fill:var(--sock,var(--muted))}svg .leader{stroke:var(--line);stroke-dasharray:2 3}
svg .step .actor{fill:var(--sock,var(--fg));font-weight:600}svg .step .t{fill:var(--muted)}svg .step .where{fill:var(--muted)}
svg .axis-label,svg .axis-head,svg .side-head{fill:var(--muted)}svg .axis-break{font-size:14px;fill:var(--muted)}
svg .break-line{stroke:var(--line);stroke-dasharray:1 4}
svg .edge{color:var(--line)}svg .edge .edge-label{fill:var(--muted);font-family:ui-monospace,Menlo,monospace}
svg .edge.taken{color:var(--fg)}svg .edge.taken .line{stroke-width:2.6}svg .edge.taken .edge-label{fill:var(--fg);font-weight:600}
svg .edge-count{font-weight:700;fill:var(--fg)}
svg .state-node rect{fill:var(--bg);stroke:var(--line);stroke-width:1.5}svg .state-node .state-name{fill:var(--muted);font-size:12px;font-family:ui-monospace,Menlo,monospace}
svg .state-node.visited rect{fill:color-mix(in srgb,var(--st) 20%,var(--bg));stroke:var(--st);stroke-width:2.5}
svg .state-node.visited .state-name{fill:var(--fg);font-weight:700}
svg .dot{fill:var(--sock);stroke:var(--bg);stroke-width:1}
.two{display:grid;grid-template-columns:minmax(0,780px) minmax(0,1fr);gap:16px;align-items:start}
@media (max-width:1100px){.two{grid-template-columns:1fr}}
.keys{font-size:13px}.keys li{margin:2px 0}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{text-align:left;padding:3px 10px 3px 0;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}td.num,th.num{text-align:right;padding-right:16px}
.chip{color:var(--sock);font-weight:700}
.state{color:var(--st);font-weight:700}
details{margin-top:10px}summary{cursor:pointer;color:var(--muted);font-weight:600}
footer{margin-top:30px;color:var(--muted);font-size:12.5px}
ul.dialogue{list-style:none;padding:0;margin:10px 0}ul.dialogue li{padding:2px 0}ul.dialogue .segments{color:var(--ack);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
pre.handshake{margin:6px 0;padding:10px 14px;background:var(--panel);border:1px solid var(--line);border-radius:8px;font-size:13px}
.legend.source{color:var(--fg)}
ul.checklist{list-style:none;padding:0;margin:6px 0}.check .mark{display:inline-block;width:1.3em;font-weight:700}.check.seen .mark{color:var(--ok)}.check.unseen .mark{color:var(--bad)}
`;
