import { randomInt } from 'node:crypto';

// Short codes are 7 characters of the Bitcoin base58 alphabet: no 0/O or I/l to misread
// when a link is typed from print, 58^7 ≈ 2.2·10^12 values so guessing one is hopeless.
export const SHORT_CODE_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export const SHORT_CODE_LENGTH = 7;
/** The redirect route's path constraint: anything else never reaches the code lookup. */
export const SHORT_CODE_PATTERN = `^[1-9A-HJ-NP-Za-km-z]{${SHORT_CODE_LENGTH}}$`;
const SHORT_CODE_RE = new RegExp(SHORT_CODE_PATTERN);

/**
 * Words a generated code must never be, compared case-insensitively. Portal and API paths
 * would win over the redirect route anyway (Fastify matches static paths first), so a code
 * equal to one would be unreachable; test/qr/redirect.test.ts checks every top-level path
 * of the app against this list. Shorter words are listed for clarity: the fixed length
 * already makes them impossible.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'account', 'accounts', 'act-as', 'admin', 'api', 'assets', 'audit', 'bulk', 'codes', 'favicon', 'healthz', 'help',
  'language', 'login', 'logout', 'metadata', 'public', 'readyz', 'robots', 'saml', 'scan', 'scans', 'security',
  'settings', 'space', 'sso', 'static', 'support', 'tokens', 'users', 'subaccounts', 'welcome', 'signout', 'signin',
]);

export function isShortCode(value: string): boolean {
  return SHORT_CODE_RE.test(value);
}

export function newShortCode(random: (max: number) => number = randomInt): string {
  for (;;) {
    let code = '';
    for (let i = 0; i < SHORT_CODE_LENGTH; i++) code += SHORT_CODE_ALPHABET[random(SHORT_CODE_ALPHABET.length)];
    if (!RESERVED_WORDS.has(code.toLowerCase())) return code;
  }
}
