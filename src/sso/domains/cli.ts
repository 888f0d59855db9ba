import { getAccountBySlug } from '../../accounts/store.js';
import type { Db } from '../../db/database.js';
import { listAllDomainClaims } from './store.js';
import { DomainCommandError, operatorReleaseDomain, operatorVerifyDomain, toDomainView } from './service.js';

export { DomainCommandError };

export const DOMAIN_HELP = `  blanca domain list                               email domains of all accounts: state, TXT record
  blanca domain verify SLUG DOMAIN                 verify DOMAIN for an account without DNS (audited)
  blanca domain release DOMAIN                     free a verified DOMAIN: its account stops receiving its sign-ins
`;

/** The operator's `blanca domain …` commands; prints and returns the exit code. */
export async function runDomainCommand(db: Db, args: string[], now: Date): Promise<number> {
  const [command, first, second] = args;
  switch (command) {
    case 'list': {
      for (const row of await listAllDomainClaims(db)) {
        const view = toDomainView(row);
        console.log([view.domain, row.slug, view.state, view.state === 'verified' ? `by ${view.verifiedBy ?? ''} ${view.verifiedAt ?? ''}` : `TXT ${view.record.value}`].join('\t'));
      }
      return 0;
    }
    case 'verify': {
      const account = first ? await getAccountBySlug(db, first) : undefined;
      if (!account || !second) throw new DomainCommandError(`domain verify needs an account short name and a domain, e.g. blanca domain verify acme example.com${first && !account ? ` (no account "${first}"; see: blanca account list)` : ''}`);
      const view = await operatorVerifyDomain(db, account.id, second, now);
      console.log(`${view.domain} is verified for "${account.slug}": people with this email domain are sent to its IdP.`);
      return 0;
    }
    case 'release': {
      if (!first) throw new DomainCommandError('domain release needs a domain, e.g. blanca domain release example.com');
      const released = await operatorReleaseDomain(db, first, now);
      console.log(released ? `${released.domain} released; no account receives its sign-ins until one verifies it again.` : `${first} is not verified for any account; nothing to release.`);
      return 0;
    }
    default:
      throw new DomainCommandError(`Unknown command "domain ${args.join(' ')}".\n\n${DOMAIN_HELP}`);
  }
}
