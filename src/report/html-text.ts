// Text helpers of the HTML report: escaping of everything taken from a result, and the few
// number and endpoint spellings its tables and drawings share.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an element or a quoted attribute. */
export function esc(text: string | number | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Milliseconds as the human report prints them: one decimal. */
export function ms(v: number): string {
  return v.toFixed(1);
}

/** At most `n` characters, an ellipsis marking a cut. */
export function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

/** `:35094` for an endpoint, `*` for a listener's unset remote. */
export function shortEndpoint(endpoint: string): string {
  const port = endpoint.slice(endpoint.lastIndexOf(':') + 1);
  return port === '0' ? '*' : `:${port}`;
}

/** `lab/close/half-close.lab.ts:20` -> `half-close.lab.ts:20`. */
export function shortWhere(where: string | undefined): string {
  return (where ?? '').replace(/^.*\//, '');
}

/** A socket's colour class: its index in `result.sockets`, over a palette of eight. */
export function socketClass(index: number): string {
  return `sock-${index % 8}`;
}
