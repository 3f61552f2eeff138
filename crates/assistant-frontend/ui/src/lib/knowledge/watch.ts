// Watches a knowledge update's jobs one after another over the shared SSE client (`../sse.ts`,
// which resumes after a drop with the last event id) and reports, per job, each valid `status`
// and how the whole run ended. The step texts come from each status's `detail`.
import { openEventStream } from '../sse';
import { watchUrl } from './api';
import { jobStatus } from './normalise';
import type { JobStatus } from './types';

/** How a watched run ended. */
export type WatchEnd =
  | { kind: 'succeeded' }
  /** A job ended in `state` (FAILED_FINAL, CANCELLED): the update must be started again. */
  | { kind: 'failed'; state: string; reason: string }
  /** The watch itself failed; the job may still run, so watching again is the retry. */
  | { kind: 'lost'; reason: string; jobIndex: number };

/** What a run reports. */
export interface WatchHandlers {
  onStatus(status: JobStatus, jobIndex: number): void;
  onEnd(end: WatchEnd): void;
}

const WATCH_EVENTS = ['status', 'done', 'error'] as const;

function errorMessage(data: unknown): string {
  const message = typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : null;
  return typeof message === 'string' && message ? message : 'the job status could not be read';
}

/** Watches `jobIds` from `startIndex` on; returns the function that stops watching. */
export function watchJobs(jobIds: string[], handlers: WatchHandlers, startIndex = 0): () => void {
  let stream: { close(): void } | null = null;
  let stopped = false;

  function watch(index: number) {
    const jobId = jobIds[index];
    if (jobId === undefined) return handlers.onEnd({ kind: 'succeeded' });
    let last: JobStatus | null = null;
    const finish = (end: WatchEnd | 'next') => {
      stream?.close();
      stream = null;
      if (stopped) return;
      if (end === 'next') watch(index + 1);
      else handlers.onEnd(end);
    };
    stream = openEventStream(watchUrl(jobId), {
      events: WATCH_EVENTS,
      isTerminal: (name, data) => name === 'done' || name === 'error' || jobStatus(data)?.terminal === true,
      onEvent(name, data) {
        if (stopped) return;
        if (name === 'error') return finish({ kind: 'lost', reason: errorMessage(data), jobIndex: index });
        const status = jobStatus(data);
        if (!status) return;
        if (name === 'status') {
          last = status;
          handlers.onStatus(status, index);
        }
        if (!status.terminal && name !== 'done') return;
        if (status.state === 'SUCCEEDED') return finish('next');
        const reason = (name === 'done' ? last?.detail : status.detail) || `the job ended ${status.state}`;
        finish({ kind: 'failed', state: status.state, reason });
      },
      onError(drop) {
        if (drop.fatal) finish({ kind: 'lost', reason: 'the connection to the server was lost', jobIndex: index });
      },
    });
  }

  watch(startIndex);
  return () => {
    stopped = true;
    stream?.close();
    stream = null;
  };
}
