/**
 * Email domains an account routes to its IdP from the shared sign-in page. Any account may claim a
 * domain (pending, with its own random token); it routes only once verified, by a DNS TXT record
 * `blanca-domain-verification=<token>` at the domain or by the platform operator, and a domain is
 * verified for one account at most (a partial unique index on `domain` where state = 'verified').
 */
export interface SsoDomainsTable {
  id: string;
  account_id: string;
  /** Lower-case ASCII (punycode), no trailing dot; matched exactly, subdomains are claimed on their own. */
  domain: string;
  token: string;
  state: 'pending' | 'verified';
  created_at: number;
  created_by: string;
  verified_at: number | null;
  /** 'dns' or who verified it by hand (the platform operator). */
  verified_by: string | null;
  checked_at: number | null;
  /** Why the last check did not verify the domain, in plain words. */
  last_check_error: string | null;
}
