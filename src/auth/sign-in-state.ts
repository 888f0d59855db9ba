import { hashPassword } from './passwords.js';

/** The sign-in columns every new person (subaccount or white-label user) starts with. */
export function newSignInState(passwordHash: string | null) {
  return { password_hash: passwordHash, totp_secret: null, locale: null, failed_logins: 0, locked_until: null, deactivated_at: null } as const;
}

/**
 * The sign-in columns after a new password is set (by the person, an administrator or the operator):
 * the hash, and the lock-out cleared. The caller's store writes them, then ends the person's sessions.
 */
export async function passwordChange(password: string) {
  return { password_hash: await hashPassword(password), failed_logins: 0, locked_until: null } as const;
}
