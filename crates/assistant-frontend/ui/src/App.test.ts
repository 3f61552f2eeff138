import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { installMockEventSource } from './test/mockEventSource';
import { stubFetch, type Reply } from './test/fetchStub';

const TODAY = { id: 'j1', reference: '2026/12/07', message_count: 2 };
const PAST = { id: 'j0', reference: '2026/12/06', message_count: 4 };

function signedIn(role: 'user' | 'operator' = 'user', extra: Record<string, Reply> = {}) {
  return stubFetch({
    'GET /api/users/me': { body: { name: 'Test User', email: 'test.user@exobrain.local', role } },
    'GET /api/users/me/configs': { body: { configs: [{ key: 'frontend.theme', name: 'Theme', config_type: 'choice', options: [], value: 'purple-intelligence' }] } },
    'GET /api/journal/today': { body: TODAY },
    'GET /api/journal': { body: [TODAY, PAST] },
    'GET /api/journal/2026/12/07/messages': {
      body: [{ id: 'm1', role: 'user', content: 'Hello from today', sequence: 1, status: 'complete', created_at: new Date(2026, 11, 7, 9, 5).toISOString() }],
    },
    'GET /api/journal/2026/12/06/messages': { body: [{ id: 'm0', role: 'assistant', content: 'An old reply', sequence: 1, status: 'complete' }] },
    ...extra,
  });
}

describe('App', () => {
  beforeEach(() => {
    installMockEventSource();
    sessionStorage.clear();
    window.location.hash = '';
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows the sign-in form when signed out, and today after signing in', async () => {
    let session = false;
    const calls = stubFetch({
      'GET /api/users/me': () => (session ? { body: { name: 'Test User', email: 'a@b.c', role: 'user' } } : { status: 401, body: { detail: 'authentication required' } }),
      'POST /api/auth/login': () => {
        session = true;
        return { body: { session_established: true } };
      },
      'GET /api/users/me/configs': { body: { configs: [] } },
      'GET /api/journal/today': { body: TODAY },
      'GET /api/journal': { body: [TODAY] },
      'GET /api/journal/2026/12/07/messages': { body: [] },
    });
    const user = userEvent.setup();
    render(App);
    expect(await screen.findByRole('button', { name: 'Login' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), 'a@b.c');
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Login' }));
    expect(await screen.findByRole('heading', { name: /Journal: 2026\/12\/07/ })).toBeInTheDocument();
    expect(calls.find((c) => c.url === '/api/auth/login')?.body).toEqual({
      email: 'a@b.c',
      password: 'password123',
      session_mode: 'web',
      issuance_policy: 'session',
    });
  });

  it('opens today with its messages and applies the user theme', async () => {
    signedIn();
    render(App);
    expect(await screen.findByText('Hello from today')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: /Journal: 2026\/12\/07/ })).toBeInTheDocument();
    expect(screen.getByText('09:05').tagName).toBe('TIME');
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('purple-intelligence'));
    expect(screen.queryByRole('link', { name: 'Operations' })).not.toBeInTheDocument();
  });

  it('a deep link opens a past journal read-only', async () => {
    signedIn();
    window.location.hash = '#/chat/2026/12/06';
    render(App);
    expect(await screen.findByText('An old reply')).toBeInTheDocument();
    expect(screen.getByLabelText('Type your message')).toBeDisabled();
    expect(screen.getByLabelText('Type your message')).toHaveAttribute('title', 'You can not chat with past journals.');
  });

  it('follows the location hash, so links and back/forward change the journal', async () => {
    signedIn();
    render(App);
    await screen.findByText('Hello from today');
    window.location.hash = '#/chat/2026/12/06';
    expect(await screen.findByText('An old reply')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: /Journal: 2026\/12\/06/ })).toBeInTheDocument();
    window.location.hash = '#/chat';
    expect(await screen.findByText('Hello from today')).toBeInTheDocument();
    expect(screen.getByLabelText('Type your message')).not.toHaveAttribute('title');
  });

  it('shows the Operations link to operators only', async () => {
    signedIn('operator');
    render(App);
    expect(await screen.findByRole('link', { name: 'Operations' })).toHaveAttribute('href', '#/ops');
  });

  it('switches to the knowledge explorer and back, moving focus to the heading', async () => {
    signedIn('user', { 'GET /api/knowledge/category': { body: { categories: [] } } });
    const user = userEvent.setup();
    render(App);
    await screen.findByText('Hello from today');
    await user.click(screen.getByRole('button', { name: 'Switch to Knowledge Explorer' }));
    await waitFor(() => expect(window.location.hash).toBe('#/knowledge'));
    const back = await screen.findByRole('button', { name: 'Switch to Journal Chat' });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Knowledge Explorer' })).toHaveFocus());
    await user.click(back);
    await waitFor(() => expect(screen.getByRole('heading', { name: /Journal: 2026\/12\/07/ })).toHaveFocus());
  });

  it('returns to the sign-in form when a call answers 401', async () => {
    signedIn('user', { 'POST /api/chat/message': { status: 401, body: { detail: 'authentication required' } } });
    const user = userEvent.setup();
    render(App);
    await screen.findByText('Hello from today');
    await user.type(screen.getByLabelText('Type your message'), 'hi{Enter}');
    expect(await screen.findByRole('button', { name: 'Login' })).toBeInTheDocument();
  });

  it('says so when the session status cannot be loaded', async () => {
    stubFetch({ 'GET /api/users/me': { status: 503, body: { detail: 'down' } } });
    render(App);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load session status. Please try again.');
  });
});
