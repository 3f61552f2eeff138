// The operations view's types, after `normalise.ts` checked the backend's replies.

/** Job states, in the order the view shows them. */
export const JOB_STATES = ['ENQUEUED_OR_PENDING', 'STARTED', 'RETRYING', 'SUCCEEDED', 'FAILED_FINAL', 'CANCELLED'] as const;

/** A job state. */
export type JobState = (typeof JOB_STATES)[number];

/** One job type's figures. */
export interface JobTypeStats {
  jobType: string;
  states: Record<JobState, number>;
  backlog: number;
  completedInWindow: number;
  throughputPerMinute: number;
}

/** A worker's pool of one job type. */
export interface Pool {
  jobType: string;
  running: number;
  capacity: number;
}

/** A worker's last heartbeat. */
export interface Worker {
  id: string;
  version: string;
  startedAt: string | null;
  lastSeenAt: string | null;
  pools: Pool[];
}

/** `GET /api/ops/overview`. */
export interface Overview {
  generatedAt: string | null;
  windowSeconds: number;
  jobTypes: JobTypeStats[];
  workers: Worker[];
}

/** A job of any user. */
export interface Job {
  id: string;
  jobType: string;
  state: string;
  attempt: number;
  userId: string;
  detail: string;
  createdAt: string | null;
  updatedAt: string | null;
}

/** A job that ended in the dead-letter store. */
export interface DeadLetter {
  id: string;
  jobId: string;
  jobType: string;
  userId: string;
  reason: string;
  detail: string;
  attempts: number;
  createdAt: string | null;
  replayedAt: string | null;
}

/** A batch of a paged listing. */
export interface Listing<T> {
  items: T[];
  nextCursor: string | null;
}
