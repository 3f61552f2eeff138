// The e2e harness: Debian's Chromium driven by playwright-core against a running fullstack
// suite (scripts/agent/e2e.sh starts it), screenshots into docs/ui/, and an axe-core scan
// that fails on serious or critical violations. Specs use roles and accessible names only.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the UI under test answers (E2E_BASE_URL, default the native suite's frontend). */
export const baseUrl = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:5173').replace(/\/$/, '');

/** The seeded development user, an operator (crates/assistant-backend/src/seed.rs). */
export const seededUser = {
  name: 'Test User',
  email: process.env.E2E_USER_EMAIL ?? 'test.user@exobrain.local',
  password: process.env.E2E_USER_PASSWORD ?? 'password123',
};

/** The other seeded user, who is not an operator. */
export const otherUser = {
  name: 'Architect',
  email: 'architect@exobrain.local',
  password: seededUser.password,
};

/** The offline model's answer: notes found, or the note that there are none yet. */
export const OFFLINE_ANSWER = /From your notes|Your notes hold nothing about that yet/;

/** The note that ends every offline answer (once per reply). */
export const OFFLINE_NOTE = 'Offline mode: no language model is configured';

/** How long a step may take before the spec fails (E2E_TIMEOUT_MS, default 15 s). */
export const stepTimeout = Number(process.env.E2E_TIMEOUT_MS ?? 15_000);

const screenshotDir =
  process.env.E2E_SCREENSHOT_DIR ?? path.resolve(here, '../../../../../docs/ui');

/** Launches Chromium (CHROMIUM_PATH, default /usr/bin/chromium) headless. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: process.env.E2E_HEADED !== '1',
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A fresh browser context (own cookies) and page at a desktop size, with step timeouts. */
export async function openPage(browser) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
  });
  context.setDefaultTimeout(stepTimeout);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 401 while signed out is the UI asking whether a session exists, not a fault.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return { context, page, problems };
}

/** Saves a full-page screenshot as docs/ui/<screen>.png. */
export async function screenshot(page, screen) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${screen}.png`), fullPage: true });
}

/** Runs axe-core (WCAG 2.1 A/AA) on the page; fails on any serious or critical violation. */
export async function assertAccessible(page, screen) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const blocking = results.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  const report = blocking
    .map(
      (violation) =>
        `${violation.impact}: ${violation.id} (${violation.help}) at ${violation.nodes
          .slice(0, 3)
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    )
    .join('\n');
  assert.equal(blocking.length, 0, `axe on ${screen}:\n${report}`);
}

/** Signs in through the form, as a person would, and waits for the chat composer. */
export async function signIn(page, user = seededUser) {
  await page.goto('/');
  await page.getByLabel(/email/i).fill(user.email);
  await page.getByLabel(/password/i).fill(user.password);
  await page.getByRole('button', { name: /^(log ?in|sign ?in)$/i }).click();
  await composer(page).waitFor({ state: 'visible' });
}

/** The chat input ("Type your message"). */
export function composer(page) {
  return page.getByRole('textbox', { name: /type your message/i });
}

/** Waits until the composer takes text again (the reply is done, the journal is today's). */
export async function composerEnabled(page) {
  await page.waitForFunction(() => {
    const input = document.getElementById('composer-input');
    return input !== null && !input.disabled;
  });
}

/** The reference (`YYYY/MM/DD`) of the journal the chat shows, from its heading. */
export async function shownJournal(page) {
  const heading = page.getByRole('heading', { level: 1, name: /^Journal: / });
  const text = await heading.textContent();
  const match = /\d{4}\/\d{2}\/\d{2}/.exec(text ?? '');
  assert.ok(match, `no journal reference in the heading "${text}"`);
  return match[0];
}

/** The message a person sent, found by its (unique) text. */
export function sentMessage(page, text) {
  return page.locator('article[data-message-role="user"]').filter({ hasText: text }).last();
}

/** The assistant's reply right after the message with `text`. */
export function replyTo(page, text) {
  return sentMessage(page, text).locator(
    'xpath=following-sibling::article[@data-message-role="assistant"][1]',
  );
}

/** Sends `text` with the composer's send button and waits for its bubble. */
export async function send(page, text) {
  await composerEnabled(page);
  await composer(page).fill(text);
  await page.getByRole('button', { name: /send message/i }).click();
  await sentMessage(page, text).waitFor({ state: 'visible' });
}

/** Waits until the reply to `text` is complete (its offline note is shown) and returns it. */
export async function completeReplyTo(page, text) {
  const reply = replyTo(page, text);
  await reply.getByText(OFFLINE_NOTE).waitFor({ state: 'visible' });
  await composerEnabled(page);
  return reply;
}

/** How often `needle` occurs in `haystack`. */
export function occurrences(haystack, needle) {
  return haystack.split(needle).length - 1;
}

/** Signs out through the user menu and waits for the sign-in form. */
export async function signOut(page) {
  await page.getByRole('button', { name: /open user menu/i }).click();
  await page.getByRole('button', { name: /^(log ?out|sign ?out)$/i }).click();
  await page.getByLabel(/email/i).waitFor({ state: 'visible' });
}
