import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import { installMockEventSource, MockEventSource } from '../../test/mockEventSource';
import KnowledgeUpdateButton from './KnowledgeUpdateButton.svelte';

beforeEach(() => installMockEventSource());
afterEach(() => vi.unstubAllGlobals());

const status = (state: string, detail: string, terminal = false, jobId = 'j1') => ({
  job_id: jobId,
  state,
  attempt: 1,
  detail,
  terminal,
  emitted_at: '2026-12-07T10:00:00Z',
});

type Reply = Parameters<typeof stubFetch>[0][string];
const QUEUED: Reply = { body: { job_id: 'j1', job_ids: ['j1'], status: 'queued' } };

function setup(reply: Reply = QUEUED, noticeMs?: number) {
  const calls = stubFetch({ 'POST /api/knowledge/update': reply });
  const onFinished = vi.fn();
  render(KnowledgeUpdateButton, { journalReference: '2026/12/07', disabledReason: null, onFinished, noticeMs });
  return { calls, onFinished, button: screen.getByRole('button', { name: 'Update knowledge base' }) };
}

async function started() {
  await waitFor(() => expect(MockEventSource.instances.length).toBeGreaterThan(0));
  return MockEventSource.latest();
}

describe('KnowledgeUpdateButton', () => {
  it('is disabled with the reason as its tooltip', () => {
    stubFetch({});
    render(KnowledgeUpdateButton, { journalReference: null, disabledReason: 'Switch to today to update knowledge base' });
    const button = screen.getByRole('button', { name: 'Update knowledge base' });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('title', 'Switch to today to update knowledge base');
  });

  it('shows the steps as they happen, spins, and ends with the success notice', async () => {
    const { calls, onFinished, button } = setup();
    await fireEvent.click(button);
    const source = await started();
    expect(calls[0]?.body).toEqual({ journal_reference: '2026/12/07' });
    expect(source.url).toBe('/api/knowledge/update/j1/watch');

    source.emit('status', status('ENQUEUED_OR_PENDING', ''), '1');
    source.emit('status', status('STARTED', 'step 1/11 reading the conversation'), '2');
    source.emit('status', '{not json', '3');
    source.emit('status', status('STARTED', 'step 2/11 finding entities'), '4');
    const steps = await screen.findByRole('list', { name: 'Knowledge update steps' });
    await waitFor(() => expect(steps.querySelectorAll('li')).toHaveLength(3));
    expect(steps).toHaveTextContent('step 2/11 finding entities');
    // The list scrolls when long, so the keyboard must reach it.
    expect(steps).toHaveAttribute('tabindex', '0');
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('title', 'Knowledge update in progress');
    expect(button.querySelector('svg')).toHaveClass('spinning');
    expect(screen.getByRole('progressbar', { name: 'Update progress' })).toHaveAttribute('value', '2');

    source.emit('status', status('SUCCEEDED', 'done', true), '5');
    expect(await screen.findByText('Knowledge base updated successfully.')).toBeInTheDocument();
    expect(source.closed).toBe(true);
    expect(onFinished).toHaveBeenCalledWith('SUCCEEDED');
    expect(button).toBeEnabled();
    expect(button.querySelector('svg')).not.toHaveClass('spinning');
  });

  it('watches every job of the batch before it reports success', async () => {
    const { button } = setup({ body: { job_id: 'j1', job_ids: ['j1', 'j2'], status: 'queued' } });
    await fireEvent.click(button);
    (await started()).emit('status', status('SUCCEEDED', 'done', true), '1');
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(2));
    expect(MockEventSource.latest().url).toBe('/api/knowledge/update/j2/watch');
    expect(screen.queryByText('Knowledge base updated successfully.')).not.toBeInTheDocument();
    MockEventSource.latest().emit('status', status('SUCCEEDED', 'done', true, 'j2'), '1');
    expect(await screen.findByText('Knowledge base updated successfully.')).toBeInTheDocument();
    const steps = screen.getByRole('list', { name: 'Knowledge update steps' });
    expect([...steps.querySelectorAll('li')].map((item) => item.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      '1. Job 1: finished: done',
      '2. Job 2: finished: done',
    ]);
  });

  it('lists every step, numbered inside its item, newest last, through how the job ended', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    const source = await started();
    source.emit('status', status('ENQUEUED_OR_PENDING', ''), '1');
    source.emit('status', status('STARTED', 'step 1/3 reading the conversation'), '2');
    source.emit('status', status('STARTED', 'step 1/3 reading the conversation'), '3');
    source.emit('status', status('STARTED', 'step 2/3 finding entities'), '4');
    source.emit('status', status('SUCCEEDED', 'step 2/3 finding entities', true), '5');
    await screen.findByText('Knowledge base updated successfully.');

    const items = within(screen.getByRole('list', { name: 'Knowledge update steps' })).getAllByRole('listitem');
    expect(items.map((item) => item.lastElementChild?.textContent)).toEqual([
      'Queued',
      'step 1/3 reading the conversation',
      'step 2/3 finding entities',
      'Finished',
    ]);
    // The numbers are part of each item's content (so no scrolling box can clip them) and hidden
    // from screen readers, which announce the list position themselves.
    items.forEach((item, index) => {
      const marker = item.firstElementChild;
      expect(marker).toHaveTextContent(`${index + 1}.`);
      expect(marker).toHaveAttribute('aria-hidden', 'true');
    });
  });

  it('closes the success notice by itself once the pointer has left it', async () => {
    const { button } = setup(QUEUED, 20);
    await fireEvent.click(button);
    (await started()).emit('status', status('SUCCEEDED', 'done', true), '1');
    expect(await screen.findByText('Knowledge base updated successfully.')).toBeInTheDocument();
    // The pointer is still on the button it clicked: the notice waits.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(screen.getByLabelText('Knowledge update')).toBeInTheDocument();

    await fireEvent.mouseOver(document.body);
    await waitFor(() => expect(screen.queryByLabelText('Knowledge update')).not.toBeInTheDocument());
    expect(button).toBeEnabled();
  });

  it('gets out of the way on Escape or a click outside while it runs, and shows how the run ended', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    const source = await started();
    source.emit('status', status('STARTED', 'step 1/3 reading the conversation'), '1');
    const panel = await screen.findByLabelText('Knowledge update');

    await fireEvent.pointerDown(panel);
    expect(screen.getByLabelText('Knowledge update')).toBeInTheDocument();
    await fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByLabelText('Knowledge update')).not.toBeInTheDocument();
    expect(button).toBeDisabled();
    expect(button.querySelector('svg')).toHaveClass('spinning');

    source.emit('status', status('SUCCEEDED', 'done', true), '2');
    expect(await screen.findByText('Knowledge base updated successfully.')).toBeInTheDocument();
    await fireEvent.pointerDown(document.body);
    expect(screen.queryByLabelText('Knowledge update')).not.toBeInTheDocument();
  });

  it('keeps a failure open over Escape and outside clicks until it is dismissed', async () => {
    const { button } = setup(QUEUED, 20);
    await fireEvent.click(button);
    (await started()).emit('status', status('FAILED_FINAL', 'model provider refused the request', true), '1');
    expect(await screen.findByRole('alert')).toHaveTextContent('model provider refused the request');

    await fireEvent.keyDown(document, { key: 'Escape' });
    await fireEvent.pointerDown(document.body);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.getByRole('alert')).toBeInTheDocument();

    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByLabelText('Knowledge update')).not.toBeInTheDocument();
  });

  it('says why a job failed and retries with a new update', async () => {
    const { calls, onFinished, button } = setup();
    await fireEvent.click(button);
    (await started()).emit('status', status('FAILED_FINAL', 'model provider refused the request', true), '1');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not update knowledge base.');
    expect(alert).toHaveTextContent('model provider refused the request');
    expect(onFinished).toHaveBeenCalledWith('FAILED_FINAL');

    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(calls.filter((call) => call.method === 'POST')).toHaveLength(2));
  });

  it('shows the backend detail when the update is refused', async () => {
    const { button, onFinished } = setup({ status: 409, body: { detail: 'no uncommitted messages available for knowledge update' } });
    await fireEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent('no uncommitted messages available for knowledge update');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(onFinished).toHaveBeenCalledWith('ERROR');
    expect(MockEventSource.instances).toHaveLength(0);
  });

  it('watches the same job again when only the watch failed', async () => {
    const { calls, button } = setup();
    await fireEvent.click(button);
    (await started()).emit('error', { job_id: 'j1', code: 'unavailable', message: 'job status unavailable', retryable: true }, '2');
    expect(await screen.findByRole('alert')).toHaveTextContent('job status unavailable');
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(2));
    expect(MockEventSource.latest().url).toBe('/api/knowledge/update/j1/watch');
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(1);
  });
});
