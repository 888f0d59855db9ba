import { Secret, TOTP } from 'otpauth';

// RFC 6238 with the parameters every authenticator app supports.
function totpFor(secretBase32: string, label = 'Blanca', issuer = 'Blanca'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, label: string, issuer: string): string {
  return totpFor(secretBase32, label, issuer).toString();
}

/** Accepts the current code and one step either side (clock drift of phones). */
export function verifyTotp(secretBase32: string, code: string, now: Date): boolean {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return false;
  return totpFor(secretBase32).validate({ token, timestamp: now.getTime(), window: 1 }) !== null;
}

export function currentTotp(secretBase32: string, now: Date): string {
  return totpFor(secretBase32).generate({ timestamp: now.getTime() });
}
