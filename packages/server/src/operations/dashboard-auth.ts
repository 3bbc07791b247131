/**
 * The dashboard's sign-in (issue 12; docs/dashboard.md). A session is a random 32-byte cookie
 * value (`opentill_session`: httpOnly, SameSite=Strict, Path=/) whose SHA-256 is the row key in the
 * store, so a database dump holds no usable session; it ends after `dashboardSessionIdleMs`
 * without a request, `dashboardSessionAbsoluteMs` after sign-in, or at sign-out (row deleted).
 * Each session has a CSRF token the dashboard reads from `GET /opentill/dashboard/session` and
 * sends as `X-CSRF-Token` on every mutation; SameSite=Strict is the first defence, this the second.
 *
 * The cookie header is parsed here rather than with @fastify/cookie: one cookie of one name, no
 * signing (the value is random and checked server-side), so a plugin would add surface, not safety.
 */
import { createHash, randomBytes } from 'node:crypto';
import { limits } from '@opentill/core';
import { authenticate, type DashboardSession, type Store } from '@opentill/engine';

export const sessionCookieName = 'opentill_session';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The value of the session cookie in a `Cookie` header, if any. */
export function sessionCookieOf(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === sessionCookieName) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
    }
  }
  return null;
}

export { sameSecret } from '@opentill/engine';

export class DashboardAuth {
  constructor(
    private readonly store: Store,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** A one-time sign-in token for the link `opentill serve` prints. */
  async createSignInToken(accountId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.store.dashboardSessions.insertSignInToken(
      sha256(token),
      accountId,
      this.nowMs() + limits.dashboardSignInTokenMs,
    );
    return token;
  }

  /** Opens a session from a sign-in token (used up here, valid or not); null when unknown, used or expired. */
  async signInWithToken(token: string): Promise<{ cookie: string; session: DashboardSession } | null> {
    if (token.length === 0 || token.length > 100) return null;
    const accountId = await this.store.dashboardSessions.consumeSignInToken(sha256(token), this.nowMs());
    return accountId === null ? null : this.open(accountId);
  }

  /** Opens a session from the account's secret key; null when it is not a secret key. */
  async signInWithSecretKey(secretKey: string): Promise<{ cookie: string; session: DashboardSession } | null> {
    if (secretKey.length > 400) return null;
    const record = await authenticate(this.store, secretKey);
    return record && record.kind === 'secret' ? this.open(record.accountId) : null;
  }

  private async open(accountId: string): Promise<{ cookie: string; session: DashboardSession }> {
    const cookie = randomBytes(32).toString('base64url');
    const now = this.nowMs();
    const session: DashboardSession = {
      tokenHash: sha256(cookie),
      accountId,
      csrfToken: randomBytes(24).toString('base64url'),
      createdMs: now,
      lastSeenMs: now,
    };
    await this.store.dashboardSessions.insertSession(session);
    return { cookie, session };
  }

  /** The live session a cookie value opens, or null (unknown, forged, idle too long, too old). */
  async session(cookie: string | null): Promise<DashboardSession | null> {
    if (cookie === null) return null;
    const tokenHash = sha256(cookie);
    const session = await this.store.dashboardSessions.findSession(tokenHash);
    if (!session) return null;
    const now = this.nowMs();
    if (
      now - session.lastSeenMs > limits.dashboardSessionIdleMs ||
      now - session.createdMs > limits.dashboardSessionAbsoluteMs
    ) {
      await this.store.dashboardSessions.deleteSession(tokenHash);
      return null;
    }
    if (now - session.lastSeenMs > limits.dashboardSessionTouchMs) {
      await this.store.dashboardSessions.touchSession(tokenHash, now);
      session.lastSeenMs = now;
    }
    return session;
  }

  /** Ends the session server-side; true when there was one. */
  async signOut(cookie: string | null): Promise<boolean> {
    return cookie === null ? false : this.store.dashboardSessions.deleteSession(sha256(cookie));
  }

  async prune(): Promise<number> {
    const now = this.nowMs();
    return this.store.dashboardSessions.pruneSessions(
      now - limits.dashboardSessionIdleMs,
      now - limits.dashboardSessionAbsoluteMs,
      now,
    );
  }
}

/** `Set-Cookie` for a new session (Secure when the request came over HTTPS). */
export function sessionCookieHeader(cookie: string, secure: boolean): string {
  return (
    `${sessionCookieName}=${cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(limits.dashboardSessionAbsoluteMs / 1000)}` +
    (secure ? '; Secure' : '')
  );
}

export function clearedSessionCookieHeader(secure: boolean): string {
  return `${sessionCookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
