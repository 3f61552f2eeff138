// Turns the operator endpoints' replies into the view's types, dropping malformed entries
// (a row without an id, a pool without a job type) instead of failing the whole view.
import { timestamp } from '../knowledge/normalise';
import { JOB_STATES, type DeadLetter, type Job, type JobState, type Listing, type Overview, type Pool, type Worker, type JobTypeStats } from './types';

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const id = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value : null);
const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);

function keep<T>(value: unknown, parse: (entry: unknown) => T | null): T[] {
  return (Array.isArray(value) ? value : []).map(parse).filter((entry): entry is T => entry !== null);
}

function jobType(value: unknown): JobTypeStats | null {
  const name = id(field(value, 'job_type'));
  if (!name) return null;
  const states = field(value, 'states');
  return {
    jobType: name,
    states: Object.fromEntries(JOB_STATES.map((state) => [state, number(field(states, state))])) as Record<JobState, number>,
    backlog: number(field(value, 'backlog')),
    completedInWindow: number(field(value, 'completed_in_window')),
    throughputPerMinute: number(field(value, 'throughput_per_minute')),
  };
}

function pool(value: unknown): Pool | null {
  const name = id(field(value, 'job_type'));
  return name ? { jobType: name, running: number(field(value, 'running')), capacity: number(field(value, 'capacity')) } : null;
}

function worker(value: unknown): Worker | null {
  const workerId = id(field(value, 'worker_id'));
  if (!workerId) return null;
  return {
    id: workerId,
    version: text(field(value, 'version')),
    startedAt: timestamp(field(value, 'started_at')),
    lastSeenAt: timestamp(field(value, 'last_seen_at')),
    pools: keep(field(value, 'pools'), pool),
  };
}

/** `GET /api/ops/overview`. */
export function overview(body: unknown): Overview {
  return {
    generatedAt: timestamp(field(body, 'generated_at')),
    windowSeconds: number(field(body, 'window_seconds')),
    jobTypes: keep(field(body, 'job_types'), jobType),
    workers: keep(field(body, 'workers'), worker),
  };
}

function job(value: unknown): Job | null {
  const jobId = id(field(value, 'job_id'));
  if (!jobId) return null;
  return {
    id: jobId,
    jobType: text(field(value, 'job_type')),
    state: text(field(value, 'state')),
    attempt: number(field(value, 'attempt')),
    userId: text(field(value, 'user_id')),
    detail: text(field(value, 'detail')),
    createdAt: timestamp(field(value, 'created_at')),
    updatedAt: timestamp(field(value, 'updated_at')),
  };
}

/** `GET /api/ops/jobs`. */
export function jobs(body: unknown): Listing<Job> {
  return { items: keep(field(body, 'jobs'), job), nextCursor: id(field(body, 'next_cursor')) };
}

function deadLetter(value: unknown): DeadLetter | null {
  const letterId = id(field(value, 'id'));
  if (!letterId) return null;
  return {
    id: letterId,
    jobId: text(field(value, 'job_id')),
    jobType: text(field(value, 'job_type')),
    userId: text(field(value, 'user_id')),
    reason: text(field(value, 'reason')),
    detail: text(field(value, 'detail')),
    attempts: number(field(value, 'attempts')),
    createdAt: timestamp(field(value, 'created_at')),
    replayedAt: timestamp(field(value, 'replayed_at')),
  };
}

/** `GET /api/ops/dead-letters`. */
export function deadLetters(body: unknown): Listing<DeadLetter> {
  return { items: keep(field(body, 'dead_letters'), deadLetter), nextCursor: id(field(body, 'next_cursor')) };
}

/** `POST /api/ops/dead-letters/{id}/replay`: the new job's id. */
export function replayedJobId(body: unknown): string {
  return id(field(body, 'job_id')) ?? '';
}
