import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import ChatComposer from './ChatComposer.svelte';

describe('ChatComposer', () => {
  it('sends on Enter and clears the draft', async () => {
    const onSend = vi.fn(async () => true);
    const user = userEvent.setup();
    render(ChatComposer, { disabledReason: null, onSend });
    const input = screen.getByLabelText('Type your message');
    expect(input).toHaveAttribute('placeholder', "What's up?");
    await user.type(input, 'Hello there{Enter}');
    expect(onSend).toHaveBeenCalledWith('Hello there');
    expect(input).toHaveValue('');
  });

  it('adds a line on Shift+Enter without sending', async () => {
    const onSend = vi.fn(async () => true);
    const user = userEvent.setup();
    render(ChatComposer, { disabledReason: null, onSend });
    const input = screen.getByLabelText('Type your message');
    await user.type(input, 'one{Shift>}{Enter}{/Shift}two');
    expect(onSend).not.toHaveBeenCalled();
    expect(input).toHaveValue('one\ntwo');
    await user.click(screen.getByRole('button', { name: 'Send message' }));
    expect(onSend).toHaveBeenCalledWith('one\ntwo');
  });

  it('keeps the draft when the send is not accepted', async () => {
    const user = userEvent.setup();
    render(ChatComposer, { disabledReason: null, onSend: async () => false });
    const input = screen.getByLabelText('Type your message');
    await user.type(input, 'keep me{Enter}');
    await vi.waitFor(() => expect(input).toHaveValue('keep me'));
  });

  it('is disabled with the reason as tooltip and does not send', async () => {
    const onSend = vi.fn(async () => true);
    render(ChatComposer, { disabledReason: 'You can not chat with past journals.', onSend });
    const input = screen.getByLabelText('Type your message');
    expect(input).toBeDisabled();
    expect(input).toHaveAttribute('title', 'You can not chat with past journals.');
    expect(input).toHaveAccessibleDescription('You can not chat with past journals.');
    expect(screen.getByRole('button', { name: 'Send message' })).toBeDisabled();
  });

  it('takes the focus back when it is enabled again', async () => {
    const { rerender } = render(ChatComposer, { disabledReason: 'The assistant is replying...', onSend: vi.fn() });
    await rerender({ disabledReason: null, onSend: vi.fn() });
    await vi.waitFor(() => expect(screen.getByLabelText('Type your message')).toHaveFocus());
  });
});

describe('ChatComposer focus', () => {
  it('does not steal the focus from elsewhere when enabled', async () => {
    const outside = document.createElement('button');
    document.body.append(outside);
    const { rerender } = render(ChatComposer, { disabledReason: 'Loading journal...', onSend: vi.fn() });
    outside.focus();
    await rerender({ disabledReason: null, onSend: vi.fn() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(outside).toHaveFocus();
    outside.remove();
  });
});
