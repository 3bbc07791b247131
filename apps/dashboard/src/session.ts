/** The dashboard session: who is signed in, and the CSRF token that goes with it. */
import { ApiError, request, setCsrfToken } from './api.js';

export interface Session {
  account: string;
  publishable_key: string;
  secret_key_last4: string;
  csrf_token: string;
}

export const sessionPath = '/opentill/dashboard/session';

/** The current session, or null when signed out (401). */
export async function loadSession(): Promise<Session | null> {
  try {
    const session = await request<Session>('GET', sessionPath, {}, { quiet401: true });
    setCsrfToken(session.csrf_token);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(secretKey: string): Promise<Session | null> {
  await request('POST', sessionPath, { secret_key: secretKey }, { json: true, quiet401: true });
  return loadSession();
}

export async function signOut(): Promise<void> {
  await request('DELETE', sessionPath, {}, { json: true, quiet401: true });
  setCsrfToken('');
}
