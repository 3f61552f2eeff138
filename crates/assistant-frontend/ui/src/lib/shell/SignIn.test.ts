import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import SignIn from './SignIn.svelte';

async function fillAndSubmit(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText('Email'), 'test.user@exobrain.local');
  await user.type(screen.getByLabelText('Password'), 'password123');
  await user.click(screen.getByRole('button', { name: 'Login' }));
}

describe('SignIn', () => {
  it('passes the credentials on and clears the password', async () => {
    const onLogin = vi.fn(async () => null);
    const user = userEvent.setup();
    render(SignIn, { onLogin });
    await fillAndSubmit(user);
    expect(onLogin).toHaveBeenCalledWith('test.user@exobrain.local', 'password123');
    expect(screen.getByLabelText('Password')).toHaveValue('');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the failure text', async () => {
    const user = userEvent.setup();
    render(SignIn, { onLogin: async () => 'Login failed. Check your credentials and try again.' });
    await fillAndSubmit(user);
    expect(await screen.findByRole('alert')).toHaveTextContent('Login failed. Check your credentials and try again.');
  });

  it('disables the button while signing in', async () => {
    let finish: (value: string | null) => void = () => {};
    const user = userEvent.setup();
    render(SignIn, { onLogin: () => new Promise<string | null>((resolve) => (finish = resolve)) });
    await fillAndSubmit(user);
    expect(screen.getByRole('button', { name: 'Signing in...' })).toBeDisabled();
    finish(null);
    expect(await screen.findByRole('button', { name: 'Login' })).toBeEnabled();
  });

  it('requires a password of at least 8 characters', () => {
    render(SignIn, { onLogin: vi.fn() });
    expect(screen.getByLabelText('Password')).toHaveAttribute('minlength', '8');
    expect(screen.getByLabelText('Email')).toBeRequired();
  });
});
