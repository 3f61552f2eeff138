// Short names of job states for the operations view's headings and filters.
import type { JobState } from './types';

/** A state as a column heading. */
export const STATE_LABELS: Record<JobState, string> = {
  ENQUEUED_OR_PENDING: 'Queued',
  STARTED: 'Running',
  RETRYING: 'Retrying',
  SUCCEEDED: 'Succeeded',
  FAILED_FINAL: 'Failed',
  CANCELLED: 'Cancelled',
};

/** A heartbeat older than this (relative to the overview's time) marks a worker stale. */
export const STALE_AFTER_MS = 30_000;

/** Whether a worker last seen at `lastSeenAt` is stale at `now`. */
export function isStale(lastSeenAt: string | null, now: number): boolean {
  if (!lastSeenAt) return true;
  return now - Date.parse(lastSeenAt) > STALE_AFTER_MS;
}
