// The operations view: the operator sees knowledge.update among the job types with at least one
// success, a worker's heartbeat and the update job among the recent jobs; a user who is not an
// operator has no Operations link and is refused at #/ops.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertAccessible,
  composerEnabled,
  launch,
  openPage,
  otherUser,
  screenshot,
  send,
  signIn,
  signOut,
  stepTimeout,
} from '../lib/harness.mjs';

const UPDATE_JOB = 'knowledge.update';
/** A knowledge update runs model calls and graph writes; give it more than one step. */
const UPDATE_TIMEOUT = Math.max(stepTimeout, 90_000);

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Whether the job system has finished a knowledge update yet (any user's). */
async function updateSucceededBefore(page) {
  const response = await page.request.get('/api/ops/overview');
  assert.equal(response.status(), 200, 'the operator may not read the overview');
  const overview = await response.json();
  const row = overview.job_types.find((type) => type.job_type === UPDATE_JOB);
  return (row?.states?.SUCCEEDED ?? 0) > 0;
}

/** Runs a knowledge update of today's journal through the header button (when none ran yet). */
async function runUpdate(page) {
  await send(page, `Ops check ${Date.now()}: the orchard needs a new fence, says Marta.`);
  await composerEnabled(page);
  await page.getByRole('button', { name: 'Update knowledge base' }).click();
  await page
    .getByText('Knowledge base updated successfully.')
    .waitFor({ state: 'visible', timeout: UPDATE_TIMEOUT });
}

/** The text of each cell of the job-type row `jobType`, by column heading (read at once). */
async function jobTypeRow(page, jobType) {
  const table = page.getByRole('table', { name: 'Jobs by type and state' });
  await table.getByRole('rowheader', { name: jobType, exact: true }).waitFor({ state: 'visible' });
  return table.evaluate((element, wanted) => {
    const headings = [...element.querySelectorAll('thead th')].map((cell) => cell.textContent.trim());
    const row = [...element.querySelectorAll('tbody tr')].find(
      (candidate) => candidate.querySelector('th')?.textContent.trim() === wanted,
    );
    const cells = [...(row?.querySelectorAll('th, td') ?? [])].map((cell) => cell.textContent.trim());
    return Object.fromEntries(headings.map((heading, index) => [heading, cells[index]]));
  }, jobType);
}

test('the operator sees the update job, its worker and its success', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page);
    if (!(await updateSucceededBefore(page))) await runUpdate(page);

    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Operations' }).waitFor();
    assert.ok(page.url().endsWith('#/ops'));

    const counts = await jobTypeRow(page, UPDATE_JOB);
    assert.ok(Number(counts.Succeeded) >= 1, `no succeeded ${UPDATE_JOB}: ${JSON.stringify(counts)}`);

    const workers = page.getByRole('region', { name: 'Workers' });
    const worker = workers.getByRole('listitem').filter({ hasText: /Last seen/ }).first();
    await worker.waitFor({ state: 'visible' });
    assert.equal(await workers.getByText('No worker has reported a heartbeat.').count(), 0);
    await workers.getByText(new RegExp(`^${UPDATE_JOB.replace('.', '\\.')}: \\d+ / \\d+ running$`)).first().waitFor();

    const recent = page.getByRole('table', { name: 'Recent jobs' });
    const updateJob = recent
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: UPDATE_JOB, exact: true }) })
      .filter({ has: page.getByRole('cell', { name: 'SUCCEEDED', exact: true }) });
    await updateJob.first().waitFor({ state: 'visible' });

    await assertAccessible(page, 'ops');
    await screenshot(page, 'ops');
    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});

test('a user who is not an operator has no operations view', async () => {
  const { context, page, problems } = await openPage(browser);
  try {
    await signIn(page, otherUser);
    await page.getByRole('navigation', { name: 'Workspace' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Operations' }).count(), 0, 'the link is offered');

    await page.goto('/#/ops');
    await page.getByText(/operator role required/i).first().waitFor({ state: 'visible' });
    assert.equal(await page.getByRole('table').count(), 0, 'operations data is shown');
    const response = await page.request.get('/api/ops/overview');
    assert.equal(response.status(), 403, 'the backend serves the overview to a non-operator');

    await assertAccessible(page, 'ops-refused');
    await screenshot(page, 'ops-refused');
    await signOut(page);
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await context.close();
  }
});
