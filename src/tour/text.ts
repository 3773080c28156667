// Terminal text for the tour: colour through picocolors (the tour's only door to it), the width
// a string takes on screen (CJK counts two columns), and wrapping paragraphs to 80 columns.

import pc from 'picocolors';

/** The tour's colours; every function returns its input unchanged when colour is off. */
export type Paint = ReturnType<typeof pc.createColors>;

export function paint(color: boolean): Paint {
  return pc.createColors(color);
}

/** The widest line the tour prints. */
export const COLUMNS = 80;

const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Wide (two-column) code points: CJK ideographs, kana, hangul, full-width forms. */
function isWide(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
}

/** `s` without trailing spaces, also those inside trailing colour codes. */
export function trimEndStyled(s: string): string {
  let before: string;
  do {
    before = s;
    s = s.replace(/ +((?:\x1b\[[0-9;]*m)*)$/, '$1');
  } while (s !== before);
  return s;
}

/** Columns `s` takes in a terminal, colour codes aside. */
export function displayWidth(s: string): number {
  let n = 0;
  for (const ch of stripAnsi(s)) n += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return n;
}

export function padEnd(s: string, n: number): string {
  const w = displayWidth(s);
  return w >= n ? s : s + ' '.repeat(n - w);
}

export function padStart(s: string, n: number): string {
  const w = displayWidth(s);
  return w >= n ? s : ' '.repeat(n - w) + s;
}

/** `label text`, without the space after a full-width colon (`状态：LISTEN`). */
export function labelled(label: string, text: string): string {
  return label.endsWith('：') ? `${label}${text}` : `${label} ${text}`;
}

/** Cuts `s` (plain text) to at most `n` columns. */
export function clip(s: string, n: number): string {
  let out = '';
  for (const ch of s) {
    if (displayWidth(out + ch) > n) break;
    out += ch;
  }
  return out;
}

// Punctuation that must not start a line (it stays with the character before it).
const NO_LINE_START = new Set([...'，。、；：！？）」』》,.;:!?)]']);

/** Words and single wide characters: the places a line may break. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let word = '';
  const flush = () => {
    if (word) out.push(word);
    word = '';
  };
  for (const ch of text) {
    if (ch === ' ') {
      flush();
      out.push(' ');
    } else if (isWide(ch.codePointAt(0)!)) {
      flush();
      if (NO_LINE_START.has(ch) && out.length > 0 && out[out.length - 1] !== ' ') out[out.length - 1] += ch;
      else out.push(ch);
    } else if (NO_LINE_START.has(ch) && word === '' && out.length > 0 && out[out.length - 1] !== ' ') {
      out[out.length - 1] += ch;
    } else {
      word += ch;
    }
  }
  flush();
  return out;
}

/** Wraps plain `text` into lines of at most `width` columns, each starting with `indent`. */
export function wrap(text: string, width = COLUMNS, indent = '  ', hanging = indent): string[] {
  const lines: string[] = [];
  let line = indent;
  let empty = true;
  for (const tok of tokens(text)) {
    if (tok === ' ') {
      if (!empty) line += ' ';
      continue;
    }
    if (!empty && displayWidth(line + tok) > width) {
      lines.push(line.trimEnd());
      line = hanging;
      empty = true;
    }
    line += tok;
    empty = false;
  }
  if (!empty) lines.push(line.trimEnd());
  return lines;
}
