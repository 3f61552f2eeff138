// Markdown to safe HTML, as the original renders messages and blocks: GitHub-flavoured markdown,
// fenced code highlighted (highlight.js, a few common languages), `$…$` / `$$…$$` math through
// KaTeX, and everything sanitised with DOMPurify before it reaches the page.
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import katex from 'katex';
import { Marked, type Tokens } from 'marked';

for (const [name, language] of Object.entries({ bash, javascript, json, python, rust, sql, typescript })) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(['sh', 'shell'], { languageName: 'bash' });
hljs.registerAliases(['js'], { languageName: 'javascript' });
hljs.registerAliases(['ts'], { languageName: 'typescript' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['rs'], { languageName: 'rust' });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderMath(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, { displayMode, throwOnError: false, output: 'html' });
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  extensions: [
    {
      name: 'blockMath',
      level: 'block',
      start: (src: string) => src.match(/\$\$/)?.index,
      tokenizer(src: string) {
        const match = /^\$\$([\s\S]+?)\$\$(?:\n|$)/.exec(src);
        if (match) return { type: 'blockMath', raw: match[0], text: (match[1] ?? '').trim() };
        return undefined;
      },
      renderer: (token) => `<div class="math-block">${renderMath(String(token.text), true)}</div>`,
    },
    {
      name: 'inlineMath',
      level: 'inline',
      start: (src: string) => src.match(/\$/)?.index,
      tokenizer(src: string) {
        const match = /^\$([^$\n]+?)\$/.exec(src);
        if (match) return { type: 'inlineMath', raw: match[0], text: match[1] ?? '' };
        return undefined;
      },
      renderer: (token) => renderMath(String(token.text), false),
    },
  ],
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? '').split(/\s/)[0] ?? '';
      const known = language && hljs.getLanguage(language);
      const body = known ? hljs.highlight(text, { language }).value : escapeHtml(text);
      const label = language ? `<span class="code-language">${escapeHtml(language)}</span>` : '';
      return `<div class="code-block">${label}<pre><code class="hljs">${body}</code></pre></div>`;
    },
  },
});

/** The sanitised HTML of `source`. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false });
  return DOMPurify.sanitize(html, { ADD_ATTR: ['aria-hidden'] });
}
