// The user's configs (preferences) as the user menu edits them: load, compare with what was
// saved, save all of them at once.
import { get, patch } from '../api/client';
import type { UserConfigItem, UserConfigsResponse } from '../api/types';
import { THEME_CONFIG_KEY, applyTheme } from './theme';

/** Config values by key. */
export type ConfigValues = Record<string, string | boolean>;

/** The signed-in user's configs. */
export async function fetchConfigs(): Promise<UserConfigItem[]> {
  return (await get<UserConfigsResponse>('/api/users/me/configs')).configs;
}

/** Saves every value of `values`; returns the configs as the server now has them. */
export async function saveConfigs(values: ConfigValues): Promise<UserConfigItem[]> {
  const updates = Object.entries(values).map(([key, value]) => ({ key, value }));
  return (await patch<UserConfigsResponse>('/api/users/me/configs', { updates })).configs;
}

/** The values of `configs`, by key. */
export function valuesOf(configs: UserConfigItem[]): ConfigValues {
  return Object.fromEntries(configs.map((config) => [config.key, config.value]));
}

/** Whether `edited` differs from `saved`. */
export function isDirty(saved: ConfigValues, edited: ConfigValues): boolean {
  return Object.keys(edited).some((key) => edited[key] !== saved[key]);
}

/** Applies the theme of `configs` (the default when it has none). */
export function applyThemeOf(configs: UserConfigItem[]): void {
  applyTheme(configs.find((config) => config.key === THEME_CONFIG_KEY)?.value);
}
