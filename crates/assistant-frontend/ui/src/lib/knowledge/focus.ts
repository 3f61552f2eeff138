// Keeps keyboard focus on the explorer when its content changes: a button that opened the next
// screen is usually gone with the old one, leaving focus on <body>. A heading with
// `use:claimFocus` takes the focus in that case (and only then, so it never steals it).

/** Svelte action: focuses `node` when it appears and nothing else holds the focus. */
export function claimFocus(node: HTMLElement): void {
  const active = document.activeElement;
  if (active && active !== document.body) return;
  if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus({ preventScroll: true });
}
