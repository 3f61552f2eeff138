import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import JournalSidebar from './JournalSidebar.svelte';

const PAST = [{ id: 'j2', reference: '2026/12/06', message_count: 4 }];

describe('JournalSidebar', () => {
  it('pins today on top and selects a journal by keyboard', async () => {
    const onSelect = vi.fn();
    const user = userEvent.setup();
    render(JournalSidebar, { today: '2026/12/07', past: PAST, current: '2026/12/07', onSelect });
    await user.click(screen.getByRole('button', { name: 'Open journals' }));
    const items = screen.getAllByRole('button', { name: /2026\/12/ });
    expect(items[0]).toHaveTextContent('Today · 2026/12/07');
    expect(items[0]).toHaveAttribute('aria-current', 'page');
    expect(items[0]).toHaveFocus();
    await user.keyboard('{Tab}{Enter}');
    expect(onSelect).toHaveBeenCalledWith('2026/12/06');
    expect(screen.queryByRole('complementary', { name: 'Journal sidebar' })).not.toBeInTheDocument();
  });

  it('closes on a click outside and on Escape', async () => {
    const user = userEvent.setup();
    render(JournalSidebar, { today: '2026/12/07', past: PAST, current: null, onSelect: vi.fn() });
    await user.click(screen.getByRole('button', { name: 'Open journals' }));
    expect(screen.getByRole('complementary', { name: 'Journal sidebar' })).toBeInTheDocument();
    await user.click(document.body);
    expect(screen.queryByRole('complementary', { name: 'Journal sidebar' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Open journals' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('complementary', { name: 'Journal sidebar' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open journals' })).toHaveFocus();
  });
});
