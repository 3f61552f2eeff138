// The UI figures of issue 15, measured in the browser against the running suite and printed
// as one final JSON line (record them in docs/benchmarks.md): JS+CSS of the first screen
// gzipped, send-to-first-streamed-text over E2E_TURNS turns (default 50), and
// open-to-interactive-chat. Runs only with E2E_FIGURES=1 (it sends many messages). E2E_WARMUP
// turns (default 3) go first and are not counted, as the backend benchmarks warm up too: the
// services' first calls load the embedding model and fill connection pools.
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { baseUrl, composer, launch, openPage, signIn } from '../lib/harness.mjs';

const enabled = process.env.E2E_FIGURES === '1';
const turns = Number(process.env.E2E_TURNS ?? 50);
const warmup = Number(process.env.E2E_WARMUP ?? 3);
const loads = 10;

let browser;
before(async () => {
  if (enabled) browser = await launch();
});
after(async () => {
  await browser?.close();
});

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Gzipped bytes of the scripts and stylesheets index.html loads (modulepreloads included). */
async function firstScreenBytes() {
  const index = await (await fetch(`${baseUrl}/`)).text();
  const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map(
    (match) => match[1],
  );
  let total = 0;
  for (const asset of new Set(assets)) {
    const body = Buffer.from(await (await fetch(`${baseUrl}${asset}`)).arrayBuffer());
    total += gzipSync(body).length;
  }
  return { bytes: total, files: new Set(assets).size };
}

/** Sends one message and returns the milliseconds until its answer's first text is on screen. */
async function timeTurn(page, index) {
  const answered = await page.locator('article[data-message-role="assistant"]').count();
  await composer(page).fill(`Figure turn ${index}: what do my notes say about apple trees?`);
  const elapsed = await page.evaluate(
    (position) =>
      new Promise((resolve, reject) => {
        const start = performance.now();
        document.querySelector('button[aria-label="Send message"]').click();
        const tick = () => {
          const answer = document.querySelectorAll('article[data-message-role="assistant"]')[
            position
          ];
          if ((answer?.querySelector('.markdown')?.textContent ?? '').trim()) {
            resolve(performance.now() - start);
          } else if (performance.now() - start > 15_000) {
            reject(new Error('no streamed text within 15 s'));
          } else {
            requestAnimationFrame(tick);
          }
        };
        tick();
      }),
    answered,
  );
  await page.waitForFunction(() => !document.querySelector('textarea')?.disabled);
  return elapsed;
}

test('ui figures', { skip: !enabled && 'set E2E_FIGURES=1 to measure' }, async () => {
  const { context, page } = await openPage(browser);
  try {
    await signIn(page);
    const shipped = await firstScreenBytes();

    for (let index = 0; index < warmup; index += 1) await timeTurn(page, -1 - index);
    const firstText = [];
    for (let index = 0; index < turns; index += 1) firstText.push(await timeTurn(page, index));

    const interactive = [];
    for (let index = 0; index < loads; index += 1) {
      const started = Date.now();
      await page.goto('/');
      await composer(page).waitFor({ state: 'visible' });
      await page.waitForFunction(() => !document.querySelector('textarea')?.disabled);
      interactive.push(Date.now() - started);
    }

    const round = (value) => Math.round(value * 10) / 10;
    console.log(
      JSON.stringify({
        suite: 'ui',
        first_screen_js_css_gzip_bytes: shipped.bytes,
        first_screen_files: shipped.files,
        send_to_first_text_ms: {
          turns,
          warmup,
          p50: round(percentile(firstText, 0.5)),
          p99: round(percentile(firstText, 0.99)),
          max: round(Math.max(...firstText)),
        },
        open_to_interactive_ms: {
          loads,
          p50: percentile(interactive, 0.5),
          max: Math.max(...interactive),
        },
      }),
    );
  } finally {
    await context.close();
  }
});
