import { parseArgs } from 'node:util';
import { createAccountWithOwner, setSsoEnabled } from './accounts/service.js';
import { getAccountBySlug, listAccounts } from './accounts/store.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { newSecret } from './platform/ids.js';
import { exportAccount, importAccount, TransferError } from './ops/account-transfer.js';
import { searchPathSchema } from './ops/pg-schema.js';
import { resetOwnerPassword } from './subaccounts/service.js';
import { DOMAIN_HELP, DomainCommandError, runDomainCommand } from './sso/domains/cli.js';

const HELP = `Blanca operator commands (configuration from the same environment variables as the server):

  blanca migrate                                   run database migrations
  blanca account list                              list accounts
  blanca account create --name NAME --owner-email EMAIL [--owner-password PW]
  blanca account export SLUG > file.json           users, subaccounts and their links, QR codes, settings
                                                   (no passwords, TOTP secrets, sessions, tokens, SSO keys, scans)
  blanca account import [--slug NEW] < file.json   a new account from an export; then: owner reset-password
  blanca sso enable SLUG | blanca sso disable SLUG switch the enterprise SSO feature for an account
  blanca owner reset-password SLUG [--password PW] new owner password (printed once when generated)
${DOMAIN_HELP}`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, 'owner-email': { type: 'string' }, 'owner-password': { type: 'string' }, password: { type: 'string' }, slug: { type: 'string' } } });
  const [group, command, target] = positionals;
  if (!group || group === 'help') {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig();
  const database = openDatabase({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  const { db } = database;
  const now = new Date();
  try {
    await migrateToLatest(db, searchPathSchema(config.DATABASE_URL));
    const account = async () => {
      const found = target ? await getAccountBySlug(db, target) : undefined;
      if (!found) throw new ConfigError(`No account with the short name "${target ?? ''}". See: blanca account list`);
      return found;
    };
    if (group === 'domain') return await runDomainCommand(db, positionals.slice(1), now);
    switch (`${group} ${command ?? ''}`.trim()) {
      case 'migrate':
        console.log('Migrations are up to date.');
        return 0;
      case 'account list':
        for (const a of await listAccounts(db)) console.log(`${a.slug}\t${a.name}\tsso=${a.sso_enabled ? 'on' : 'off'}`);
        return 0;
      case 'account create': {
        if (!values.name || !values['owner-email']) throw new ConfigError('account create needs --name and --owner-email');
        const created = await createAccountWithOwner(db, { name: values.name, ownerEmail: values['owner-email'], ownerPassword: values['owner-password'] }, now);
        console.log(`Created account "${created.account.slug}". Owner: ${values['owner-email']}${created.generatedPassword ? `, password: ${created.ownerPassword}` : ''}`);
        return 0;
      }
      case 'account export': {
        if (!target) throw new ConfigError('account export needs the account short name. See: blanca account list');
        process.stdout.write(`${JSON.stringify(await exportAccount(db, target, now), null, 2)}\n`);
        return 0;
      }
      case 'account import': {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        let data: unknown;
        try {
          data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          throw new ConfigError(`account import reads an export (JSON) on standard input: ${error instanceof Error ? error.message : String(error)}`);
        }
        const result = await importAccount(db, data, now, { slug: values.slug });
        console.log(`Imported account "${result.slug}": ${result.users} users, ${result.subaccounts} subaccounts, ${result.codes} QR codes. Passwords are not exported: blanca owner reset-password ${result.slug}`);
        return 0;
      }
      case 'sso enable':
      case 'sso disable': {
        const found = await account();
        await setSsoEnabled(db, found.id, command === 'enable', now);
        console.log(`Single sign-on is now ${command === 'enable' ? 'on' : 'off'} for "${found.slug}".`);
        return 0;
      }
      case 'owner reset-password': {
        const found = await account();
        const password = values.password ?? newSecret(12);
        await resetOwnerPassword(db, found.id, password, now);
        console.log(`New owner password for "${found.slug}"${values.password ? ' set.' : `: ${password}`}`);
        return 0;
      }
      default:
        console.error(`Unknown command "${positionals.join(' ')}".\n\n${HELP}`);
        return 2;
    }
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof TransferError || error instanceof DomainCommandError ? error.message : error);
    process.exit(1);
  },
);
