// The operations view's HTTP calls (operator role only: other users get 403), through the shared
// client, each reply normalised by `normalise.ts`.
import { get, post } from '../api/client';
import * as normalise from './normalise';
import type { DeadLetter, Job, Listing, Overview } from './types';

/** Filters of the recent-jobs table; empty means any. */
export interface JobFilter {
  state: string;
  jobType: string;
}

function query(entries: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(entries)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Jobs by type and state, throughput, backlog and worker heartbeats. */
export async function fetchOverview(): Promise<Overview> {
  return normalise.overview(await get<unknown>('/api/ops/overview'));
}

/** The newest jobs of every user matching `filter`. */
export async function fetchJobs(filter: JobFilter, limit = 50, cursor: string | null = null): Promise<Listing<Job>> {
  const suffix = query({ state: filter.state, job_type: filter.jobType, limit, cursor });
  return normalise.jobs(await get<unknown>(`/api/ops/jobs${suffix}`));
}

/** The newest dead letters. */
export async function fetchDeadLetters(limit = 50, cursor: string | null = null): Promise<Listing<DeadLetter>> {
  return normalise.deadLetters(await get<unknown>(`/api/ops/dead-letters${query({ limit, cursor })}`));
}

/** Enqueues a dead letter's job again; the new job's id. */
export async function replayDeadLetter(id: string): Promise<string> {
  return normalise.replayedJobId(await post<unknown>(`/api/ops/dead-letters/${encodeURIComponent(id)}/replay`));
}
