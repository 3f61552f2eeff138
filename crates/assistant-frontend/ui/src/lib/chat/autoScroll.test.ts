import { describe, expect, it } from 'vitest';
import { AutoScrollEngine, distanceFromBottom, type ScrollMetrics } from './autoScroll';

const metrics = (scrollTop: number, scrollHeight = 2000, clientHeight = 500): ScrollMetrics => ({ scrollTop, scrollHeight, clientHeight });

/** Runs frames of 16 ms until the engine stops moving; returns the final top. */
function settle(engine: AutoScrollEngine, start: ScrollMetrics, frames = 200): number {
  let top = start.scrollTop;
  for (let i = 0; i < frames; i += 1) {
    const next = engine.step({ ...start, scrollTop: top }, 16);
    if (next === null) break;
    top = next;
    engine.scrolled({ ...start, scrollTop: top });
  }
  return top;
}

describe('AutoScrollEngine', () => {
  it('jumps to the bottom when today is opened', () => {
    const engine = new AutoScrollEngine();
    expect(engine.opened(metrics(0))).toBe(1500);
  });

  it('never scrolls a past journal', () => {
    const engine = new AutoScrollEngine();
    engine.setEnabled(false);
    expect(engine.opened(metrics(0))).toBeNull();
    engine.streamStarted();
    expect(engine.step(metrics(0), 16)).toBeNull();
    expect(engine.active).toBe(false);
  });

  it('follows a stream down to the bottom, moving at least the follow speed per frame', () => {
    const engine = new AutoScrollEngine({ followSpeed: 900 });
    engine.streamStarted();
    const first = engine.step(metrics(1400), 16);
    expect(first).not.toBeNull();
    expect(first! - 1400).toBeGreaterThanOrEqual(900 * 0.016 - 1e-9);
    expect(settle(engine, metrics(0))).toBe(1500);
  });

  it('covers a large gap with an ease-out glide faster than the follow speed', () => {
    const engine = new AutoScrollEngine();
    engine.streamStarted();
    const next = engine.step(metrics(0, 10_000), 16)!;
    expect(next).toBeGreaterThan(900 * 0.016 * 5);
  });

  it('suspends when the reader scrolls up and resumes near the bottom', () => {
    const engine = new AutoScrollEngine();
    engine.streamStarted();
    engine.scrolled(metrics(1500));
    engine.scrolled(metrics(1200));
    expect(engine.suspended).toBe(true);
    expect(engine.step(metrics(1200, 2100), 16)).toBeNull();
    engine.scrolled(metrics(1580, 2100)); // 20 px from the bottom
    expect(engine.suspended).toBe(false);
    expect(engine.step(metrics(1580, 2100), 16)).toBeGreaterThan(1580);
  });

  it('an upward wheel suspends following', () => {
    const engine = new AutoScrollEngine();
    engine.streamStarted();
    engine.wheel(-40);
    expect(engine.active).toBe(false);
  });

  it("does not mistake its own scrolling for the reader's", () => {
    const engine = new AutoScrollEngine();
    engine.streamStarted();
    const top = engine.step(metrics(500), 16)!;
    engine.scrolled(metrics(top));
    expect(engine.suspended).toBe(false);
  });

  it('after the stream ends it catches up and then stops', () => {
    const engine = new AutoScrollEngine();
    engine.streamStarted();
    engine.streamEnded();
    expect(engine.phase).toBe('catchup');
    expect(settle(engine, metrics(1000))).toBe(1500);
    expect(engine.phase).toBe('idle');
  });

  it('catch-up ends after its time limit even when content keeps growing', () => {
    const engine = new AutoScrollEngine({ catchupLimitMs: 100, followSpeed: 1 });
    engine.streamStarted();
    engine.streamEnded();
    for (let i = 0; i < 10; i += 1) engine.step(metrics(0, 100_000), 16);
    expect(engine.phase).toBe('idle');
  });

  it('a suspended reader is not pulled down when the stream ends', () => {
    const engine = new AutoScrollEngine();
    engine.streamStarted();
    engine.wheel(-10);
    engine.streamEnded();
    expect(engine.step(metrics(200), 16)).toBeNull();
  });

  it('keeps the viewport in place when older messages are prepended', () => {
    const engine = new AutoScrollEngine();
    expect(engine.prepended(metrics(40, 2000), metrics(40, 3200))).toBe(1240);
  });

  it('measures the distance from the bottom', () => {
    expect(distanceFromBottom(metrics(1400))).toBe(100);
  });
});
