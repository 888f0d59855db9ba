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
import { DomainCommandError, runDomainCommand } from './sso/domains/cli.js';
import { createOperatorToken } from './auth/tokens.js';

/** Every command with its usage and an example: `blanca help`, and `--help` after any command. */
const COMMANDS: Array<{ command: string; usage: string; about: string; example: string }> = [
  { command: 'migrate', usage: 'blanca migrate', about: 'run database migrations', example: "blanca migrate   (with the server's DATABASE_URL / DATA_DIR)" },
  { command: 'account list', usage: 'blanca account list', about: 'list accounts (short name, name, SSO)', example: 'blanca account list' },
  { command: 'account create', usage: 'blanca account create --name NAME --owner-email EMAIL [--owner-password PW]', about: 'a new account and its owner (the password is printed once when generated)', example: 'blanca account create --name "Acme Corp" --owner-email owner@acme.example' },
  { command: 'account export', usage: 'blanca account export SLUG > file.json', about: 'users, subaccounts and their links, QR codes, settings (no passwords, TOTP secrets, sessions, tokens, SSO keys, scans)', example: 'blanca account export acme-corp > acme-corp.json' },
  { command: 'account import', usage: 'blanca account import [--slug NEW] < file.json', about: 'a new account from an export; then: owner reset-password', example: 'blanca account import --slug acme-copy < acme-corp.json' },
  { command: 'sso enable', usage: 'blanca sso enable SLUG', about: 'switch the enterprise SSO feature on for an account', example: 'blanca sso enable acme-corp' },
  { command: 'sso disable', usage: 'blanca sso disable SLUG', about: 'switch the enterprise SSO feature off for an account', example: 'blanca sso disable acme-corp' },
  { command: 'owner reset-password', usage: 'blanca owner reset-password SLUG [--password PW]', about: 'new owner password (printed once when generated)', example: 'blanca owner reset-password acme-corp' },
  { command: 'domain list', usage: 'blanca domain list', about: 'email domains of all accounts: state, TXT record', example: 'blanca domain list' },
  { command: 'domain verify', usage: 'blanca domain verify SLUG DOMAIN', about: 'verify DOMAIN for an account without DNS (audited)', example: 'blanca domain verify acme-corp acme.example' },
  { command: 'domain release', usage: 'blanca domain release DOMAIN', about: 'free a verified DOMAIN: its account stops receiving its sign-ins', example: 'blanca domain release acme.example' },
  { command: 'token create', usage: 'blanca token create SLUG [--name NAME]', about: 'an API token with administrator rights for the account, printed once (audited as the operator)', example: 'blanca token create acme-corp --name "CRM import"' },
];

const usageOf = (c: (typeof COMMANDS)[number]): string => `  ${c.usage}\n      ${c.about}\n      Example: ${c.example}`;
const HELP = `Operator commands (configuration from the same environment variables as the server):\n\n${COMMANDS.map(usageOf).join('\n\n')}\n\nAdd --help after any command for its own help.\n`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, name: { type: 'string' }, 'owner-email': { type: 'string' }, 'owner-password': { type: 'string' }, password: { type: 'string' }, slug: { type: 'string' } } });
  const [group, command, target] = positionals;
  if (!group || group === 'help') {
    console.log(HELP);
    return 0;
  }
  if (values.help) {
    const known = COMMANDS.find((c) => c.command === `${group} ${command ?? ''}`.trim()) ?? COMMANDS.find((c) => c.command.startsWith(`${group} `) && !command);
    const matching = known ? [known] : COMMANDS.filter((c) => c.command.split(' ')[0] === group);
    console.log(matching.length > 0 ? `${matching.map(usageOf).join('\n\n')}\n` : HELP);
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
      case 'token create': {
        const found = await account();
        const name = values.name ?? 'Operator token';
        if (name.trim().length === 0 || name.length > 80) throw new ConfigError('token create: --name must be 1 to 80 characters.');
        const { token } = await createOperatorToken(db, found.id, name, now);
        console.log(`API token "${name.trim()}" for "${found.slug}" (administrator rights; shown once, store it now):\n${token}`);
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
