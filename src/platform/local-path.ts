import { MAX_LOCAL_PATH_LENGTH } from './input-limits.js';

const ORIGIN = 'http://blanca.invalid';
/** One slash, then printable ASCII without a second slash or a backslash right after it. */
const LOCAL_PATH = /^\/(?![/\\])[\x21-\x7e]*$/;

/**
 * The one check for every redirect target that comes from outside (`returnTo`, SAML RelayState):
 * a path on this site, or `fallback`. Printable ASCII only, so the target can always go in a
 * Location header (anything else made Node throw after the sign-in had succeeded); no backslash
 * anywhere (browsers read it as a slash, "/\evil" is "//evil"); and the URL parser must agree
 * that it stays on this origin.
 */
export function safeLocalPath(target: unknown, fallback = '/'): string {
  if (typeof target !== 'string' || target.length > MAX_LOCAL_PATH_LENGTH || !LOCAL_PATH.test(target) || target.includes('\\')) return fallback;
  try {
    return new URL(target, ORIGIN).origin === ORIGIN ? target : fallback;
  } catch {
    return fallback;
  }
}
