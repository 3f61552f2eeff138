// The chat's auto-scroll rules (operations-and-frontend.md §6.7) as a pure engine: the view feeds
// it the scroll metrics and DOM events and applies the scroll positions it returns.
//
// - A stream start (or a new message at the end) follows the bottom: an ease-out glide that
//   covers large gaps quickly, never slower than `followSpeed` px/s.
// - The reader scrolling up during a stream suspends following; coming back within `resumeWithin`
//   px of the bottom resumes it.
// - After the stream ends the engine catches up until within `settleWithin` px (or `catchupLimitMs`
//   passed), then stops.
// - Opening today's journal jumps to the bottom; past journals never auto-scroll.
// - Prepending older messages keeps what the reader sees in place.

/** The scroll state of the message list. */
export interface ScrollMetrics {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/** What the engine is doing. */
export type ScrollPhase = 'idle' | 'follow' | 'catchup';

/** Tuning of the engine (defaults are the original's). */
export interface AutoScrollOptions {
  followSpeed?: number;
  resumeWithin?: number;
  settleWithin?: number;
  catchupLimitMs?: number;
  /** Time constant of the ease-out glide, in ms. */
  easeMs?: number;
}

/** Distance from the bottom of the list. */
export const distanceFromBottom = (m: ScrollMetrics) => Math.max(0, m.scrollHeight - m.clientHeight - m.scrollTop);

const bottomOf = (m: ScrollMetrics) => Math.max(0, m.scrollHeight - m.clientHeight);

/** Auto-scroll state machine; see the module comment. */
export class AutoScrollEngine {
  phase: ScrollPhase = 'idle';
  suspended = false;
  enabled = true;
  private catchupElapsed = 0;
  private lastTop: number | null = null;
  private lastSetTop: number | null = null;
  private readonly followSpeed: number;
  private readonly resumeWithin: number;
  private readonly settleWithin: number;
  private readonly catchupLimitMs: number;
  private readonly easeMs: number;

  constructor(options: AutoScrollOptions = {}) {
    this.followSpeed = options.followSpeed ?? 900;
    this.resumeWithin = options.resumeWithin ?? 24;
    this.settleWithin = options.settleWithin ?? 20;
    this.catchupLimitMs = options.catchupLimitMs ?? 2000;
    this.easeMs = options.easeMs ?? 300;
  }

  /** Whether the view should keep calling `step` every frame. */
  get active(): boolean {
    return this.enabled && this.phase !== 'idle' && !this.suspended;
  }

  /** Turns auto-scroll on (today) or off for good (past journals). */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (!enabled) this.phase = 'idle';
  }

  /** A journal was opened: the position to jump to (its bottom), or null for past journals. */
  opened(m: ScrollMetrics): number | null {
    this.phase = 'idle';
    this.suspended = false;
    this.lastTop = null;
    if (!this.enabled) return null;
    return this.programmatic(bottomOf(m));
  }

  /** A reply started streaming (or a message was appended): follow it. */
  streamStarted(): void {
    if (!this.enabled) return;
    this.phase = 'follow';
    this.suspended = false;
  }

  /** The stream ended: catch up with the final text unless the reader scrolled away. */
  streamEnded(): void {
    if (this.phase === 'idle') return;
    this.phase = 'catchup';
    this.catchupElapsed = 0;
  }

  /** The reader turned the wheel; upwards suspends following. */
  wheel(deltaY: number): void {
    if (deltaY < 0 && this.phase !== 'idle') this.suspended = true;
  }

  /** A scroll event; tells the reader's scrolls from the engine's own. */
  scrolled(m: ScrollMetrics): void {
    const ours = this.lastSetTop !== null && Math.abs(m.scrollTop - this.lastSetTop) < 2;
    const movedUp = this.lastTop !== null && m.scrollTop < this.lastTop - 1;
    this.lastTop = m.scrollTop;
    if (ours) return;
    this.lastSetTop = null;
    if (distanceFromBottom(m) <= this.resumeWithin) this.suspended = false;
    else if (movedUp && this.phase !== 'idle') this.suspended = true;
  }

  /** One animation frame `dtMs` after the last: the position to scroll to, or null. */
  step(m: ScrollMetrics, dtMs: number): number | null {
    if (!this.active) return null;
    const distance = distanceFromBottom(m);
    if (this.phase === 'catchup') {
      this.catchupElapsed += dtMs;
      if (distance <= this.settleWithin || this.catchupElapsed >= this.catchupLimitMs) {
        this.phase = 'idle';
        return distance > 0 ? this.programmatic(bottomOf(m)) : null;
      }
    }
    if (distance <= 0.5) return null;
    const eased = distance * (1 - Math.exp(-dtMs / this.easeMs));
    const move = Math.min(distance, Math.max(eased, (this.followSpeed * dtMs) / 1000));
    return this.programmatic(m.scrollTop + move);
  }

  /** Where to scroll after older messages were prepended, so the viewport stays put. */
  prepended(before: ScrollMetrics, after: ScrollMetrics): number {
    return this.programmatic(before.scrollTop + (after.scrollHeight - before.scrollHeight));
  }

  private programmatic(top: number): number {
    this.lastSetTop = top;
    this.lastTop = top;
    return top;
  }
}
