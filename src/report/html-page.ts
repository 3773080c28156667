// The frame of a self-contained HTML page (the run report, the tour): the report's one
// stylesheet inline, a title, and the body; no script and no URL of any kind.

import { STYLE } from './html-style.js';
import { esc } from './html-text.js';

/** One HTML document; `body` is markup already, `title` text. */
export function htmlPage(page: { lang: 'en' | 'zh'; title: string; body: string }): string {
  return `<!doctype html>
<html lang="${page.lang === 'zh' ? 'zh-Hans' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${page.body}
</main>
</body>
</html>
`;
}
