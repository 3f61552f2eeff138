import { describe, expect, it } from 'vitest';
import { deadLetters, jobs, overview, replayedJobId } from './normalise';

describe('ops payload normalisation', () => {
  it('reads the overview, filling missing counts with zero and dropping nameless rows', () => {
    const read = overview({
      generated_at: '2026-12-07T10:00:00Z',
      window_seconds: 300,
      job_types: [
        { job_type: 'knowledge.update', states: { STARTED: 2, SUCCEEDED: 10, FAILED_FINAL: 'x' }, backlog: 3, completed_in_window: 10, throughput_per_minute: 2 },
        { states: {} },
      ],
      workers: [
        { worker_id: 'w1', version: '0.1.0', started_at: '2026-12-07T09:00:00Z', last_seen_at: '2026-12-07T09:59:58Z', pools: [{ job_type: 'knowledge.update', running: 1, capacity: 4 }, { running: 1 }] },
        { version: 'no id' },
      ],
    });
    expect(read.jobTypes).toHaveLength(1);
    expect(read.jobTypes[0]?.states).toEqual({ ENQUEUED_OR_PENDING: 0, STARTED: 2, RETRYING: 0, SUCCEEDED: 10, FAILED_FINAL: 0, CANCELLED: 0 });
    expect(read.workers).toEqual([
      {
        id: 'w1',
        version: '0.1.0',
        startedAt: '2026-12-07T09:00:00Z',
        lastSeenAt: '2026-12-07T09:59:58Z',
        pools: [{ jobType: 'knowledge.update', running: 1, capacity: 4 }],
      },
    ]);
  });

  it('reads job and dead-letter listings with their cursors', () => {
    expect(jobs({ jobs: [{ job_id: 'j1', job_type: 't', state: 'STARTED', attempt: 1 }, { state: 'x' }], next_cursor: 'c2' })).toMatchObject({
      items: [{ id: 'j1', jobType: 't', state: 'STARTED', attempt: 1 }],
      nextCursor: 'c2',
    });
    expect(deadLetters({ dead_letters: [{ id: 'd1', job_id: 'j1', reason: 'boom', replayed_at: null }, {}], next_cursor: null })).toMatchObject({
      items: [{ id: 'd1', jobId: 'j1', reason: 'boom', replayedAt: null }],
      nextCursor: null,
    });
    expect(replayedJobId({ job_id: 'j9' })).toBe('j9');
  });
});
