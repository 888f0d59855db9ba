import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { updateAccountSettings } from '../../src/accounts/service.js';
import { actAsUser } from '../../src/auth/act-as.js';
import type { Actor } from '../../src/auth/actor.js';
import { resolveActor } from '../../src/auth/resolve.js';
import { createSession } from '../../src/auth/sessions.js';
import { createApiToken, resolveApiToken } from '../../src/auth/tokens.js';
import { listAudit } from '../../src/audit/store.js';
import { AppError } from '../../src/platform/errors.js';
import { createSubaccount, listSubaccountViews, updateSubaccount } from '../../src/subaccounts/service.js';
import { insertSubaccount, replaceLinks } from '../../src/subaccounts/store.js';
import { createUser, deleteUser, findVisibleUser, updateUser, visibleUsers } from '../../src/users/service.js';
import { createOtherAccount, describeEachEngine, ownerActor, startTestApp, type TestApp } from '../support/app.js';

// Each role × each action, expected outcome in one table. A cell that changes
// (a manager suddenly editing SSO, a team leader seeing an unlinked user) fails here.
type Outcome = 'ok' | 'forbidden' | 'not_found';
const ROLES = ['admin', 'manager', 'team_leader', 'sso', 'user', 'account_token', 'user_token', 'other_account_admin'] as const;
type Role = (typeof ROLES)[number];

interface Fixture {
  app: TestApp;
  actors: Record<Role, Actor>;
  linkedUserId: string;
  unlinkedUserId: string;
  adminSubaccountId: string;
}

const ACTIONS: Record<string, { expect: Record<Role, Outcome>; run: (f: Fixture, actor: Actor) => Promise<unknown> }> = {
  'change account settings': {
    expect: { admin: 'ok', manager: 'forbidden', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: (f, actor) => updateAccountSettings(ctx(f, actor), { primaryColor: '#123456' }),
  },
  'create user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: (f, actor) => createUser(ctx(f, actor), { name: `U-${Math.random()}`, maxCodes: 1, features: [] }),
  },
  'see linked user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'ok', sso: 'ok', user: 'ok', account_token: 'ok', user_token: 'ok', other_account_admin: 'not_found' },
    run: (f, actor) => findVisibleUser(ctx(f, actor), f.linkedUserId),
  },
  'see unlinked user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'not_found', sso: 'not_found', user: 'not_found', account_token: 'ok', user_token: 'not_found', other_account_admin: 'not_found' },
    run: (f, actor) => findVisibleUser(ctx(f, actor), f.unlinkedUserId),
  },
  'edit user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'not_found' },
    run: (f, actor) => updateUser(ctx(f, actor), f.linkedUserId, { maxCodes: 7 }),
  },
  'delete user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'not_found' },
    run: async (f, actor) => {
      const victim = await createUser(ctx(f, f.actors.admin), { name: `Victim-${Math.random()}`, maxCodes: 1, features: [] });
      return deleteUser(ctx(f, actor), victim.id);
    },
  },
  'list subaccounts': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: (f, actor) => listSubaccountViews(ctx(f, actor)),
  },
  'create team leader': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: (f, actor) => createSubaccount(ctx(f, actor), { email: `tl-${Math.random()}@example.com`, name: 'TL', role: 'team_leader', userIds: [] }),
  },
  'create administrator': {
    expect: { admin: 'ok', manager: 'forbidden', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: (f, actor) => createSubaccount(ctx(f, actor), { email: `ad-${Math.random()}@example.com`, name: 'AD', role: 'admin', userIds: [] }),
  },
  'edit an administrator': {
    expect: { admin: 'ok', manager: 'forbidden', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'not_found' },
    run: (f, actor) => updateSubaccount(ctx(f, actor), f.adminSubaccountId, { name: 'Renamed' }),
  },
  'read audit log': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: async (f, actor) => {
      const { hasPermission } = await import('../../src/auth/permissions.js');
      if (!hasPermission(actor, 'audit.read')) throw new AppError('forbidden');
      return listAudit(f.app.blanca.deps.db, actor.accountId, { limit: 1 });
    },
  },
  'create account API token': {
    expect: { admin: 'ok', manager: 'forbidden', team_leader: 'forbidden', sso: 'forbidden', user: 'forbidden', account_token: 'ok', user_token: 'forbidden', other_account_admin: 'ok' },
    run: (f, actor) => createApiToken(ctx(f, actor), { name: 'x', userId: null }),
  },
  'log in as linked user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'ok', sso: 'ok', user: 'forbidden', account_token: 'forbidden', user_token: 'forbidden', other_account_admin: 'not_found' },
    run: async (f, actor) => {
      const { session } = await createSession(f.app.blanca.deps.db, { accountId: actor.accountId, principalKind: 'subaccount', principalId: actor.id }, new Date(), 60_000);
      return actAsUser(ctx(f, actor), session.id, f.linkedUserId);
    },
  },
  'log in as unlinked user': {
    expect: { admin: 'ok', manager: 'ok', team_leader: 'not_found', sso: 'not_found', user: 'forbidden', account_token: 'forbidden', user_token: 'forbidden', other_account_admin: 'not_found' },
    run: async (f, actor) => {
      const { session } = await createSession(f.app.blanca.deps.db, { accountId: actor.accountId, principalKind: 'subaccount', principalId: actor.id }, new Date(), 60_000);
      return actAsUser(ctx(f, actor), session.id, f.unlinkedUserId);
    },
  },
};

function ctx(f: Fixture, actor: Actor) {
  return { db: f.app.blanca.deps.db, now: new Date(), actor };
}

async function outcome(promise: Promise<unknown>): Promise<Outcome | string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return error.code === 'forbidden' || error.code === 'not_found' ? error.code : `error:${error.code}:${error.message}`;
    throw error;
  }
}

describeEachEngine('permission matrix', (engine) => {
  let f: Fixture;
  before(async () => {
    const app = await startTestApp(engine);
    const db = app.blanca.deps.db;
    const owner = await ownerActor(app.blanca, app.accountId);
    const c = { db, now: new Date(), actor: owner };
    const linked = await createUser(c, { name: 'Marketing', username: 'marketing', password: 'marketing-pass-1', maxCodes: 10, features: [] });
    const unlinked = await createUser(c, { name: 'Customer Service', maxCodes: 10, features: [] });
    const make = async (role: 'admin' | 'manager' | 'team_leader') => (await createSubaccount(c, { email: `${role}@example.com`, name: role, role, userIds: role === 'team_leader' ? [linked.id] : [] })).id;
    const adminId = await make('admin');
    const managerId = await make('manager');
    const leaderId = await make('team_leader');
    const ssoId = crypto.randomUUID();
    await insertSubaccount(db, { id: ssoId, account_id: app.accountId, email: 'adam@idp.example', name: 'Adam', role: 'sso', password_hash: null, totp_secret: null, is_owner: 0, locale: null, failed_logins: 0, locked_until: null, sso_subject: 'adam', created_at: 0, updated_at: 0 });
    await db.transaction().execute((tx) => replaceLinks(tx, app.accountId, ssoId, [linked.id], 'sso', new Date()));
    const other = await createOtherAccount(app);
    const actor = async (kind: 'subaccount' | 'user', accountId: string, id: string) => (await resolveActor(db, accountId, kind, id))!;
    const userToken = (await createApiToken(c, { name: 'user token', userId: linked.id })).token;
    const otherOwner = await ownerActor(app.blanca, other.accountId);
    f = {
      app,
      linkedUserId: linked.id,
      unlinkedUserId: unlinked.id,
      adminSubaccountId: adminId,
      actors: {
        admin: await actor('subaccount', app.accountId, adminId),
        manager: await actor('subaccount', app.accountId, managerId),
        team_leader: await actor('subaccount', app.accountId, leaderId),
        sso: await actor('subaccount', app.accountId, ssoId),
        user: await actor('user', app.accountId, linked.id),
        account_token: (await resolveApiToken(db, app.adminToken, new Date()))!,
        user_token: (await resolveApiToken(db, userToken, new Date()))!,
        other_account_admin: otherOwner,
      },
    };
  });
  after(() => f.app.close());

  for (const [action, { expect, run }] of Object.entries(ACTIONS)) {
    test(action, async () => {
      const got: Record<string, string> = {};
      for (const role of ROLES) got[role] = await outcome(run(f, f.actors[role]));
      assert.deepEqual(got, expect);
    });
  }

  test('visible users follow the links', async () => {
    const names = async (role: Role) => (await visibleUsers(ctx(f, f.actors[role]))).map((u) => u.name).sort();
    assert.deepEqual(await names('manager'), (await names('admin')));
    assert.deepEqual(await names('team_leader'), ['Marketing']);
    assert.deepEqual(await names('sso'), ['Marketing']);
    assert.deepEqual(await names('user_token'), ['Marketing']);
    const foreign = await names('other_account_admin');
    assert.ok(!foreign.includes('Marketing') && !foreign.includes('Customer Service'), `other account sees ${foreign}`);
  });
});
