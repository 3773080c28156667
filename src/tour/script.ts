// What the tour says at each step, per language: a title, the dialogue of the two ends in plain
// words (as the write-up tells it), and for Chinese the explanation (English uses the lab's own).

import { SCRIPT_EN } from './script-en.js';
import { SCRIPT_ZH } from './script-zh.js';
import type { Lang } from './words.js';

/** One line of the dialogue; `who` is A (the client), B (the server), or '' for narration. */
export interface DialogueLine {
  who: 'A' | 'B' | 'A+B' | '';
  says: string;
  /** The segments behind the words, e.g. `FIN` or `ACK, then data`. */
  segments?: string;
}

export interface StepText {
  title: string;
  dialogue: DialogueLine[];
  /** One paragraph; when absent the lab's own `explain` is shown. */
  explain?: string;
}

/** The texts of one language, by lab name. */
export type Script = Record<string, StepText>;

/** The texts of lab `name`, or undefined for a lab the tour has no words for. */
export function stepText(name: string, lang: Lang): StepText | undefined {
  switch (lang) {
    case 'en':
      return SCRIPT_EN[name];
    case 'zh':
      return SCRIPT_ZH[name];
    default: {
      const never: never = lang;
      return never;
    }
  }
}
