// Turns the operator endpoints' replies into the view's types, dropping malformed entries
// (a row without an id, a pool without a job type) instead of failing the whole view. Every
// field name read is checked against the generated schema (`field<S>`, see `api/json.ts`).
import type { Schemas } from '../api/client';
import { field } from '../api/json';
import { timestamp } from '../knowledge/normalise';
import { JOB_STATES, type DeadLetter, type Job, type JobState, type Listing, type Overview, type Pool, type Worker, type JobTypeStats } from './types';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const id = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value : null);
const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);

function keep<T>(value: unknown, parse: (entry: unknown) => T | null): T[] {
  return (Array.isArray(value) ? value : []).map(parse).filter((entry): entry is T => entry !== null);
}

function jobType(value: unknown): JobTypeStats | null {
  type Row = Schemas['JobTypeOverview'];
  const name = id(field<Row>(value, 'job_type'));
  if (!name) return null;
  const states = field<Row>(value, 'states');
  const counts = JOB_STATES.map((state) => [state, number(field<Schemas['StateCounts']>(states, state))]);
  return {
    jobType: name,
    states: Object.fromEntries(counts) as Record<JobState, number>,
    backlog: number(field<Row>(value, 'backlog')),
    completedInWindow: number(field<Row>(value, 'completed_in_window')),
    throughputPerMinute: number(field<Row>(value, 'throughput_per_minute')),
  };
}

function pool(value: unknown): Pool | null {
  type Row = Schemas['PoolLoad'];
  const name = id(field<Row>(value, 'job_type'));
  return name ? { jobType: name, running: number(field<Row>(value, 'running')), capacity: number(field<Row>(value, 'capacity')) } : null;
}

function worker(value: unknown): Worker | null {
  type Row = Schemas['WorkerRow'];
  const workerId = id(field<Row>(value, 'worker_id'));
  if (!workerId) return null;
  return {
    id: workerId,
    version: text(field<Row>(value, 'version')),
    startedAt: timestamp(field<Row>(value, 'started_at')),
    lastSeenAt: timestamp(field<Row>(value, 'last_seen_at')),
    pools: keep(field<Row>(value, 'pools'), pool),
  };
}

/** `GET /api/ops/overview`. */
export function overview(body: unknown): Overview {
  type Reply = Schemas['Overview'];
  return {
    generatedAt: timestamp(field<Reply>(body, 'generated_at')),
    windowSeconds: number(field<Reply>(body, 'window_seconds')),
    jobTypes: keep(field<Reply>(body, 'job_types'), jobType),
    workers: keep(field<Reply>(body, 'workers'), worker),
  };
}

function job(value: unknown): Job | null {
  type Row = Schemas['JobRow'];
  const jobId = id(field<Row>(value, 'job_id'));
  if (!jobId) return null;
  return {
    id: jobId,
    jobType: text(field<Row>(value, 'job_type')),
    state: text(field<Row>(value, 'state')),
    attempt: number(field<Row>(value, 'attempt')),
    userId: text(field<Row>(value, 'user_id')),
    detail: text(field<Row>(value, 'detail')),
    createdAt: timestamp(field<Row>(value, 'created_at')),
    updatedAt: timestamp(field<Row>(value, 'updated_at')),
  };
}

/** `GET /api/ops/jobs`. */
export function jobs(body: unknown): Listing<Job> {
  type Reply = Schemas['JobPage'];
  return { items: keep(field<Reply>(body, 'jobs'), job), nextCursor: id(field<Reply>(body, 'next_cursor')) };
}

function deadLetter(value: unknown): DeadLetter | null {
  type Row = Schemas['DeadLetterRow'];
  const letterId = id(field<Row>(value, 'id'));
  if (!letterId) return null;
  return {
    id: letterId,
    jobId: text(field<Row>(value, 'job_id')),
    jobType: text(field<Row>(value, 'job_type')),
    userId: text(field<Row>(value, 'user_id')),
    reason: text(field<Row>(value, 'reason')),
    detail: text(field<Row>(value, 'detail')),
    attempts: number(field<Row>(value, 'attempts')),
    createdAt: timestamp(field<Row>(value, 'created_at')),
    replayedAt: timestamp(field<Row>(value, 'replayed_at')),
  };
}

/** `GET /api/ops/dead-letters`. */
export function deadLetters(body: unknown): Listing<DeadLetter> {
  type Reply = Schemas['DeadLetterPage'];
  return { items: keep(field<Reply>(body, 'dead_letters'), deadLetter), nextCursor: id(field<Reply>(body, 'next_cursor')) };
}

/** `POST /api/ops/dead-letters/{id}/replay`: the new job's id. */
export function replayedJobId(body: unknown): string {
  return id(field<Schemas['Replayed']>(body, 'job_id')) ?? '';
}
