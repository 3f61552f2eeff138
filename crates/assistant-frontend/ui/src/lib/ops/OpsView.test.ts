import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubFetch, type Reply } from '../../test/fetchStub';
import OpsView from './OpsView.svelte';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const OVERVIEW = {
  generated_at: '2026-12-07T10:00:00Z',
  window_seconds: 300,
  job_types: [
    {
      job_type: 'knowledge.update',
      states: { ENQUEUED_OR_PENDING: 4, STARTED: 2, RETRYING: 1, SUCCEEDED: 37, FAILED_FINAL: 5, CANCELLED: 0 },
      backlog: 7,
      completed_in_window: 12,
      throughput_per_minute: 2.4,
    },
  ],
  workers: [
    { worker_id: 'worker-a', version: '0.1.0', started_at: '2026-12-07T09:00:00Z', last_seen_at: '2026-12-07T09:59:59Z', pools: [{ job_type: 'knowledge.update', running: 2, capacity: 4 }] },
    { worker_id: 'worker-b', version: '0.1.0', started_at: '2026-12-07T08:00:00Z', last_seen_at: '2026-12-07T09:50:00Z', pools: [] },
  ],
};

const JOBS = { jobs: [{ job_id: 'job-1', job_type: 'knowledge.update', state: 'STARTED', attempt: 1, user_id: 'u1', detail: 'step 3/11', created_at: null, updated_at: '2026-12-07T09:59:00Z' }], next_cursor: null };
const LETTERS = { dead_letters: [{ id: 'dl-1', job_id: 'job-0', job_type: 'knowledge.update', user_id: 'u1', reason: 'model refused', detail: 'HTTP 400 from provider', attempts: 5, created_at: '2026-12-07T09:00:00Z', replayed_at: null }], next_cursor: null };

function stub(extra: Record<string, Reply> = {}) {
  return stubFetch({
    'GET /api/ops/overview': { body: OVERVIEW },
    'GET /api/ops/jobs': { body: JOBS },
    'GET /api/ops/dead-letters': { body: LETTERS },
    ...extra,
  });
}

describe('OpsView', () => {
  it('shows counts by state, backlog, throughput and worker heartbeats', async () => {
    stub();
    render(OpsView);
    const row = (await screen.findByRole('rowheader', { name: 'knowledge.update' })).closest('tr')!;
    expect([...row.querySelectorAll('td')].map((cell) => cell.textContent)).toEqual(['4', '2', '1', '37', '5', '0', '7', '2.4']);
    expect(screen.getByText('knowledge.update: 2 / 4 running')).toBeInTheDocument();
    const stale = screen.getByText('worker-b').closest('li')!;
    expect(within(stale).getByText('Stale')).toBeInTheDocument();
    expect(within(screen.getByText('worker-a').closest('li')!).queryByText('Stale')).not.toBeInTheDocument();
    expect(screen.getByText('job-1')).toBeInTheDocument();
    expect(screen.getByText('model refused')).toBeInTheDocument();
  });

  it('replays a dead letter and shows the new job id', async () => {
    const calls = stub({ 'POST /api/ops/dead-letters/dl-1/replay': { status: 202, body: { job_id: 'job-new' } } });
    render(OpsView);
    await fireEvent.click(await screen.findByRole('button', { name: 'Replay job job-0' }));
    expect(await screen.findByText('Replayed as job job-new.')).toBeInTheDocument();
    expect(calls.some((call) => call.method === 'POST' && call.url === '/api/ops/dead-letters/dl-1/replay')).toBe(true);
    await waitFor(() => expect(calls.filter((call) => call.url.startsWith('/api/ops/overview')).length).toBeGreaterThanOrEqual(2));
  });

  it('filters recent jobs by state', async () => {
    const calls = stub();
    render(OpsView);
    const select = await screen.findByRole('combobox', { name: 'State' });
    await fireEvent.change(select, { target: { value: 'FAILED_FINAL' } });
    await waitFor(() => expect(calls.some((call) => call.url === '/api/ops/jobs?state=FAILED_FINAL&limit=50')).toBe(true));
  });

  it('tells a user without the operator role so, and stops asking', async () => {
    vi.useFakeTimers();
    const calls = stub({ 'GET /api/ops/overview': { status: 403, body: { detail: 'operator role required' } } });
    render(OpsView);
    await vi.waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Operator role required.'));
    const asked = calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.length).toBe(asked);
  });

  it('polls every 3 seconds while open and stops when closed', async () => {
    vi.useFakeTimers();
    const calls = stub();
    const view = render(OpsView);
    const overviews = () => calls.filter((call) => call.url === '/api/ops/overview').length;
    await vi.waitFor(() => expect(overviews()).toBe(1));
    await vi.advanceTimersByTimeAsync(3000);
    expect(overviews()).toBe(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(overviews()).toBe(3);
    view.unmount();
    await vi.advanceTimersByTimeAsync(9000);
    expect(overviews()).toBe(3);
  });
});
