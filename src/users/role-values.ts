// SSO role values (SPEC §3.2): Entra app-role values cannot contain spaces, so each white-label user has
// a space-free value ("CustomerService" for "Customer Service") that roles are matched against.
// Matching ignores case, accents and the separators space, "_", "-" and ".", so "Customer Service",
// "CustomerService" and "customer_service" all reach the same user; uniqueness uses the same key.

export const ROLE_VALUE_MAX = 64;
export const ROLE_VALUE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** The comparison key: lower case, accents and separators removed. */
export function roleKey(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[\s_.\-]+/gu, '');
}

/** "Customer Service" → "CustomerService", "Atención al cliente" → "AtencionAlCliente"; never empty. */
export function deriveRoleValue(name: string): string {
  const words = name.normalize('NFKD').replace(/\p{M}/gu, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('').slice(0, ROLE_VALUE_MAX - 4);
  return joined || 'User';
}

/** `base`, else `base2`, `base3`… — the first whose key is free (`taken` holds keys). */
export function firstFreeRoleValue(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(roleKey(base))) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}${n}`;
    if (!taken.has(roleKey(candidate))) return candidate;
  }
}
