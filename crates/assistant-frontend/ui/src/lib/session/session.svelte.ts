// Who is signed in: the bootstrap (`GET /api/users/me`; 401 = signed out), sign-in with a
// browser cookie session, sign-out, and the switch back to the sign-in form when any API call
// answers 401. After sign-in the user's theme is applied from their configs.
import { ApiError, get, onSignedOut, post } from '../api/client';
import type { CurrentUser, LoginRequest } from '../api/types';
import { clearActiveStream } from '../chat/streamResume';
import { applyThemeOf, fetchConfigs } from './configs';
import { DEFAULT_THEME, applyTheme } from './theme';

/** Texts shown to the user. */
export const SESSION_TEXTS = {
  statusFailed: 'Could not load session status. Please try again.',
  loginFailed: 'Login failed. Check your credentials and try again.',
  tooManyAttempts: 'Too many login attempts. Please wait a moment and try again.',
} as const;

/** Where the session stands. */
export type SessionStatus = 'loading' | 'signedOut' | 'signedIn' | 'failed';

/** The signed-in user and the transitions between signed in and out. */
export class Session {
  status = $state<SessionStatus>('loading');
  user = $state<CurrentUser | null>(null);
  private readonly unsubscribe: () => void;

  constructor() {
    this.unsubscribe = onSignedOut(() => this.signedOut());
  }

  /** Whether the user may open the operations view. */
  get isOperator(): boolean {
    return this.user?.role === 'operator';
  }

  /** Finds out whether a session exists. */
  async bootstrap(): Promise<void> {
    this.status = 'loading';
    try {
      this.user = await get<CurrentUser>('/api/users/me', { signOutOn401: false });
      this.status = 'signedIn';
      void this.loadTheme();
    } catch (error) {
      this.user = null;
      this.status = error instanceof ApiError && error.status === 401 ? 'signedOut' : 'failed';
    }
  }

  /** Signs in; resolves with null on success or the text to show. */
  async login(email: string, password: string): Promise<string | null> {
    const body: LoginRequest = { email, password, session_mode: 'web', issuance_policy: 'session' };
    try {
      await post('/api/auth/login', body, { signOutOn401: false });
    } catch (error) {
      return error instanceof ApiError && error.status === 429 ? SESSION_TEXTS.tooManyAttempts : SESSION_TEXTS.loginFailed;
    }
    await this.bootstrap();
    return this.status === 'signedIn' ? null : SESSION_TEXTS.statusFailed;
  }

  /** Signs out (locally even when the server cannot be reached). */
  async logout(): Promise<void> {
    try {
      await post('/api/auth/logout', undefined, { signOutOn401: false });
    } catch {
      // the cookie may already be gone; forget the session here anyway
    }
    this.signedOut();
  }

  /** Stops listening for 401s (tests, unmount). */
  dispose(): void {
    this.unsubscribe();
  }

  private signedOut(): void {
    clearActiveStream();
    this.user = null;
    this.status = 'signedOut';
    applyTheme(DEFAULT_THEME);
  }

  private async loadTheme(): Promise<void> {
    try {
      applyThemeOf(await fetchConfigs());
    } catch {
      // keep the default theme
    }
  }
}
