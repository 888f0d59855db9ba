/** The sign-in columns every new person (subaccount or white-label user) starts with. */
export function newSignInState(passwordHash: string | null) {
  return { password_hash: passwordHash, totp_secret: null, locale: null, failed_logins: 0, locked_until: null } as const;
}
