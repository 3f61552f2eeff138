import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubFetch } from '../../test/fetchStub';
import type { UserConfigItem } from '../api/types';
import UserMenu from './UserMenu.svelte';

const THEME: UserConfigItem = {
  key: 'frontend.theme',
  name: 'Theme',
  config_type: 'choice',
  description: 'Colours of the web UI',
  options: [
    { value: 'gruvbox-dark', label: 'Gruvbox dark' },
    { value: 'purple-intelligence', label: 'Purple intelligence' },
  ],
  value: 'gruvbox-dark',
};
const DIGEST: UserConfigItem = { key: 'digest.enabled', name: 'Daily digest', config_type: 'boolean', value: false };
const USER = { name: 'Test User', email: 'test.user@exobrain.local', role: 'user' as const };

async function openMenu(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: 'Open user menu' }));
  return screen.findByRole('combobox', { name: 'Theme' });
}

describe('UserMenu', () => {
  beforeEach(() => {
    document.documentElement.dataset.theme = 'gruvbox-dark';
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows who is signed in and the configs, Save only enabled when something changed', async () => {
    stubFetch({ 'GET /api/users/me/configs': { body: { configs: [THEME, DIGEST] } } });
    const user = userEvent.setup();
    render(UserMenu, { user: USER, onLogout: vi.fn() });
    const select = await openMenu(user);
    const dialog = screen.getByRole('dialog', { name: 'User menu' });
    expect(within(dialog).getByText('Signed in as')).toBeInTheDocument();
    expect(within(dialog).getByText('test.user@exobrain.local')).toBeInTheDocument();
    expect(within(dialog).getByRole('radio', { name: 'Off' })).toBeChecked();
    const save = within(dialog).getByRole('button', { name: 'Save changes' });
    expect(save).toBeDisabled();
    await user.selectOptions(select, 'purple-intelligence');
    expect(save).toBeEnabled();
    expect(document.documentElement.dataset.theme).toBe('purple-intelligence');
    await user.selectOptions(select, 'gruvbox-dark');
    expect(save).toBeDisabled();
  });

  it('saves every config and confirms', async () => {
    const calls = stubFetch({
      'GET /api/users/me/configs': { body: { configs: [THEME, DIGEST] } },
      'PATCH /api/users/me/configs': { body: { configs: [THEME, { ...DIGEST, value: true }] } },
    });
    const user = userEvent.setup();
    render(UserMenu, { user: USER, onLogout: vi.fn() });
    await openMenu(user);
    await user.click(screen.getByRole('radio', { name: 'On' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Config changes saved.')).toBeInTheDocument();
    expect(calls.at(-1)).toMatchObject({
      method: 'PATCH',
      body: { updates: [{ key: 'frontend.theme', value: 'gruvbox-dark' }, { key: 'digest.enabled', value: true }] },
    });
    expect(screen.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  });

  it('Escape closes, discards the edit and puts the saved theme back', async () => {
    stubFetch({ 'GET /api/users/me/configs': { body: { configs: [THEME] } } });
    const user = userEvent.setup();
    render(UserMenu, { user: USER, onLogout: vi.fn() });
    await user.selectOptions(await openMenu(user), 'purple-intelligence');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(document.documentElement.dataset.theme).toBe('gruvbox-dark');
    expect(screen.getByRole('button', { name: 'Open user menu' })).toHaveFocus();
    expect(await openMenu(user)).toHaveValue('gruvbox-dark');
  });

  it('a click outside closes it', async () => {
    stubFetch({ 'GET /api/users/me/configs': { body: { configs: [THEME] } } });
    const user = userEvent.setup();
    render(UserMenu, { user: USER, onLogout: vi.fn() });
    await openMenu(user);
    await user.click(document.body);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('Logout calls back', async () => {
    stubFetch({ 'GET /api/users/me/configs': { body: { configs: [] } } });
    const onLogout = vi.fn();
    const user = userEvent.setup();
    render(UserMenu, { user: USER, onLogout });
    await user.click(screen.getByRole('button', { name: 'Open user menu' }));
    await user.click(screen.getByRole('button', { name: 'Logout' }));
    expect(onLogout).toHaveBeenCalledOnce();
  });
});
