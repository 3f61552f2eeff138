// The colour theme: `<html data-theme>` selects one of the CSS variable sets in app.css. The
// user's `frontend.theme` config is the source of truth; unknown values fall back to the default.

/** The themes app.css defines. */
export const THEMES = ['gruvbox-dark', 'purple-intelligence'] as const;
export type Theme = (typeof THEMES)[number];

/** The theme shown before the user's config is known. */
export const DEFAULT_THEME: Theme = 'gruvbox-dark';

/** The user config that holds the theme. */
export const THEME_CONFIG_KEY = 'frontend.theme';

/** A known theme for `value`, or the default. */
export function themeOf(value: unknown): Theme {
  return (THEMES as readonly unknown[]).includes(value) ? (value as Theme) : DEFAULT_THEME;
}

/** Shows `value` (a theme name from the user's config). */
export function applyTheme(value: unknown): void {
  document.documentElement.dataset.theme = themeOf(value);
}
