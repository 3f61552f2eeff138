// Moves keyboard focus to the heading of the main area after a mode switch, so screen-reader and
// keyboard users land on the new screen (the original left focus on the toggle). Screens loaded
// on demand render their heading later, so this waits for it (up to `timeoutMs`).

const SELECTOR = '#main h1, #main h2';

function focus(heading: HTMLElement): void {
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  heading.focus();
}

/** Focuses the main heading now or once it appears; returns a function that stops waiting. */
export function focusMainHeading(timeoutMs = 5000): () => void {
  const present = document.querySelector<HTMLElement>(SELECTOR);
  if (present) {
    focus(present);
    return () => {};
  }
  const observer = new MutationObserver(() => {
    const heading = document.querySelector<HTMLElement>(SELECTOR);
    if (!heading) return;
    stop();
    focus(heading);
  });
  const timer = setTimeout(() => observer.disconnect(), timeoutMs);
  function stop() {
    observer.disconnect();
    clearTimeout(timer);
  }
  observer.observe(document.body, { childList: true, subtree: true });
  return stop;
}
