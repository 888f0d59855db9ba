import { hash, verify } from '@node-rs/argon2';

// @node-rs/argon2 defaults to Argon2id; these are OWASP's recommended minimums
// (19 MiB, 2 passes), affordable on a 2-core machine under sign-in load.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A hash to verify against when the person does not exist, so that timing does
// not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-000');
  return dummyHash;
}
