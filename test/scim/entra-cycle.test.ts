/**
 * Issue 12: an Entra provisioning cycle replayed against Blanca's SCIM endpoint with the request shapes
 * Microsoft documents ("Develop and plan provisioning for a SCIM endpoint"), in both PATCH dialects
 * (compliant with the aadOptscim062020 flag, and Entra's older one), both SSO types, both engines:
 * discovery, the probe, create the article's people, update, assign and unassign app roles, groups with
 * member add and remove, deactivate, re-activate, delete — then Blanca's state through its own API, and
 * a deactivated person's SAML sign-in (signed responses posted to the ACS) and existing session refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { api, createOtherAccount, describeEachEngine, ownerActor, startTestApp, tokenFor, type TestApp } from '../support/app.js';
import { testKeys } from '../support/saml-fixtures.js';
import { buildResponse, signAssertion, toBase64 } from '../support/saml-signer.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
type Dialect = 'compliant' | 'legacy';

/** Entra's create request for one person (default attribute mappings; roles as AssertiveAppRoleAssignmentsComplex). */
function entraUser(login: string, given: string, family: string, roles: string[]) {
  return {
    schemas: [USER, ENTERPRISE],
    externalId: login,
    userName: `${login}@example.test`,
    active: true,
    displayName: given,
    emails: [{ primary: true, type: 'work', value: `${login}@example.test` }],
    meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    roles: roles.map((value) => ({ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: value, value })),
    [ENTERPRISE]: { department: 'Sales' },
  };
}
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

for (const ssoType of ['user', 'subaccount'] as const) {
  for (const dialect of ['compliant', 'legacy'] as Dialect[]) {
    describeEachEngine(`SCIM: an Entra provisioning cycle, type ${ssoType}, ${dialect} PATCH`, (engine) => {
      let app: TestApp;
      let slug: string;
      let scimToken: string;
      let acsUrl: string;
      let entityId: string;
      const ids: Record<string, string> = {};
      const users: Record<string, string> = {};

      async function scim(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, token: string | null = scimToken) {
        const response = await app.blanca.app.inject({
          method,
          url: `/scim/v2/${slug}${path}`,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
          ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        });
        return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as any) : null, type: response.headers['content-type'] };
      }

      /** A signed SAML response for `login` as Entra sends it (NameID = UPN = SCIM userName), posted to the ACS. */
      async function samlSignIn(login: string, roles: string[] = []) {
        const now = new Date();
        const xml = buildResponse({ assertionId: `_${randomUUID()}`, responseId: `_${randomUUID()}`, issuer: IDP, destination: acsUrl, recipient: acsUrl, audiences: [entityId], nameId: `${login}@example.test`, attributes: { [`${CLAIMS}/emailaddress`]: [`${login}@example.test`], 'http://schemas.microsoft.com/identity/claims/displayname': [login], ...(roles.length ? { Role: roles } : {}) }, issueInstant: now, notBefore: new Date(now.getTime() - 60_000), notOnOrAfter: new Date(now.getTime() + 300_000) });
        const r = await app.blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, payload: new URLSearchParams({ SAMLResponse: toBase64(signAssertion(xml, { key: testKeys.idpA.key, cert: testKeys.idpA.cert })) }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('qrp_session='))?.split(';')[0];
        return { status: r.statusCode, cookie, body: r.body };
      }
      const portalStatus = async (cookie: string) => (await app.blanca.app.inject({ method: 'GET', url: '/codes', headers: { cookie } })).statusCode;
      const lastSsoLog = async () => (await api(app, 'GET', '/sso/log?limit=1', app.adminToken)).body.entries[0] as { kind: string; summary: string; failureCode: string | null; mapping: any };
      const blancaUsers = async () => (await api(app, 'GET', '/users', app.adminToken)).body.users as Array<{ id: string; name: string; email: string | null; active: boolean; createdBySso: boolean }>;
      const subaccounts = async () => (await api(app, 'GET', '/subaccounts', app.adminToken)).body.subaccounts as Array<{ id: string; email: string; name: string; role: string; userIds: string[] }>;

      before(async () => {
        app = await startTestApp(engine, { env: { PUBLIC_URL } });
        await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
        slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
        const connected = await api(app, 'PUT', '/sso', app.adminToken, { ssoType, idpEntityId: IDP, idpSsoUrl: `${IDP}saml2`, idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true });
        assert.equal(connected.status, 200, JSON.stringify(connected.body));
        acsUrl = connected.body.sp.acsUrl;
        entityId = connected.body.sp.entityId;
        for (const name of ['Marketing', 'Customer Service']) users[name] = (await api(app, 'POST', '/users', app.adminToken, { name })).body.id;
        const created = await api(app, 'POST', '/scim/tokens', app.adminToken, { name: 'Entra provisioning' });
        assert.equal(created.status, 201);
        assert.match(created.body.token, /^scim_/);
        scimToken = created.body.token;
      });
      after(() => app.close());

      test('discovery: ServiceProviderConfig, ResourceTypes, Schemas as application/scim+json', async () => {
        const config = await scim('GET', '/ServiceProviderConfig');
        assert.equal(config.status, 200);
        assert.match(String(config.type), /^application\/scim\+json/);
        assert.equal(config.body.patch.supported, true);
        assert.equal(config.body.filter.supported, true);
        const types = await scim('GET', '/ResourceTypes');
        assert.deepEqual(types.body.Resources.map((r: { id: string }) => r.id), ['User', 'Group']);
        const schemas = await scim('GET', '/Schemas');
        assert.ok(schemas.body.Resources.some((s: { id: string }) => s.id === USER));
      });

      test('refused credentials: 401 SCIM error; each in the SSO log with the reason', async () => {
        const other = await createOtherAccount(app, 'Other Corp');
        const foreign = (await api(app, 'POST', '/scim/tokens', other.adminToken, { name: 'other' })).body.token;
        for (const [token, reason] of [[null, /No Authorization header/], [app.adminToken, /API tokens are not accepted/], [foreign, /another account/], [`${scimToken}x`, /unknown or was revoked/]] as const) {
          const r = await scim('GET', '/Users', undefined, token);
          assert.equal(r.status, 401);
          assert.deepEqual(r.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
          assert.equal(r.body.status, '401');
          const log = await lastSsoLog();
          assert.equal(log.kind, 'scim');
          assert.match(log.summary, reason);
        }
      });

      test("Entra's connection test: a filter for a random userName is 200 with an empty list", async () => {
        const probe = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
        assert.equal(probe.status, 200);
        assert.deepEqual([probe.body.totalResults, probe.body.Resources], [0, []]);
        assert.deepEqual(probe.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
      });

      test("create the article's people; a retried create makes nothing twice (409 uniqueness)", async () => {
        const people = [entraUser('adam', 'Adam', 'Smith', ['Marketing', 'CustomerService']), entraUser('eve', 'Eve', 'Jones', ['Marketing', 'Customer Service']), entraUser('juan', 'Juan', 'García', ['whitelabel_admin']), entraUser('nora', 'Nora', 'Brown', [])];
        // Steve's roles as AppRoleAssignmentsComplex: the assignment as stringified JSON.
        const steve = { ...entraUser('steve', 'Steve', 'Miller', []), roles: [{ value: JSON.stringify({ id: randomUUID(), value: 'CustomerService', displayName: 'Customer Service' }) }] };
        for (const body of [...people, steve]) {
          const r = await scim('POST', '/Users', body);
          assert.equal(r.status, 201, JSON.stringify(r.body));
          assert.equal(r.body.userName, body.userName);
          assert.equal(r.body.active, true);
          assert.equal(r.body.meta.location, `${PUBLIC_URL}/scim/v2/${slug}/Users/${r.body.id}`);
          ids[body.externalId] = r.body.id;
        }
        const retry = await scim('POST', '/Users', people[0]);
        assert.equal(retry.status, 409);
        assert.equal(retry.body.scimType, 'uniqueness');
        const caseOnly = await scim('POST', '/Users', { ...people[0], userName: 'ADAM@example.test' });
        assert.equal(caseOnly.status, 409, 'userName is not case-exact');
        if (ssoType === 'user') {
          const names = (await blancaUsers()).filter((u) => u.createdBySso).map((u) => u.name).sort();
          assert.deepEqual(names, ['Adam', 'Eve', 'Nora', 'Steve']);
          assert.equal((await blancaUsers()).find((u) => u.name === 'Adam')?.email, 'adam@example.test');
        } else {
          const subs = await subaccounts();
          const links = (login: string) => subs.find((s) => s.email === `${login}@example.test`)?.userIds.sort();
          assert.deepEqual(links('adam'), [users.Marketing, users['Customer Service']].sort());
          assert.deepEqual(links('eve'), [users.Marketing, users['Customer Service']].sort());
          assert.deepEqual(links('steve'), [users['Customer Service']]);
          assert.deepEqual(links('nora'), []);
          assert.equal(subs.find((s) => s.email === 'adam@example.test')?.role, 'sso');
          assert.equal((await blancaUsers()).length, 2, 'no white-label user is made in 1:n');
        }
        assert.equal((await subaccounts()).find((s) => s.email === 'juan@example.test')?.role, 'admin');
        // SAML finds the same person: no duplicate.
        const signedIn = await samlSignIn('adam', ['Marketing']);
        assert.equal(signedIn.status, 303, signedIn.body);
        assert.equal((await blancaUsers()).filter((u) => u.name.startsWith('Adam')).length, ssoType === 'user' ? 1 : 0);
        assert.equal((await subaccounts()).filter((s) => s.email === 'adam@example.test').length, ssoType === 'user' ? 0 : 1);
      });

      test('filters, pagination, attributes and excludedAttributes; clear 400s', async () => {
        const q = async (query: string) => scim('GET', `/Users?${query}`);
        const one = await q(`filter=${encodeURIComponent('userName eq "Adam@example.test"')}`);
        assert.deepEqual([one.body.totalResults, one.body.Resources[0].id], [1, ids.adam]);
        assert.equal((await q(`filter=${encodeURIComponent('externalId eq "eve" and userName eq "eve@example.test"')}`)).body.Resources[0].id, ids.eve);
        assert.equal((await q(`filter=${encodeURIComponent('externalId eq "eve" and userName eq "adam@example.test"')}`)).body.totalResults, 0);
        assert.equal((await q(`filter=${encodeURIComponent('displayName eq "Steve"')}`)).body.Resources[0].id, ids.steve);
        const paged = await q('startIndex=2&count=2');
        assert.deepEqual([paged.body.totalResults, paged.body.startIndex, paged.body.itemsPerPage], [5, 2, 2]);
        const onlyName = await q(`filter=${encodeURIComponent('userName eq "adam@example.test"')}&attributes=userName`);
        assert.deepEqual(Object.keys(onlyName.body.Resources[0]).sort(), ['id', 'meta', 'schemas', 'userName']);
        const noEmails = await scim('GET', `/Users/${ids.adam}?excludedAttributes=emails,roles`);
        assert.equal(noEmails.body.emails, undefined);
        assert.equal(noEmails.body.userName, 'adam@example.test');
        for (const bad of ['userName co "a"', 'title eq "x"', 'userName eq', 'x'.repeat(1001)]) {
          const r = await q(`filter=${encodeURIComponent(bad)}`);
          assert.equal(r.status, 400, bad);
          assert.equal(r.body.scimType, 'invalidFilter');
          assert.match(r.body.detail, /./);
        }
        assert.equal((await q('count=abc')).body.scimType, 'invalidValue');
        const missing = await scim('GET', `/Users/${randomUUID()}`);
        assert.equal(missing.status, 404);
        assert.equal(missing.body.status, '404');
      });

      test('update name and work email (PATCH dialect), and PUT', async () => {
        const ops = dialect === 'compliant'
          ? [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'adam.smith@example.test' }, { op: 'replace', path: 'displayName', value: 'Adam Smith' }, { op: 'replace', path: 'name.familyName', value: 'Smith-Jones' }]
          : [{ op: 'Replace', value: { displayName: 'Adam Smith', 'name.familyName': 'Smith-Jones', 'emails[type eq "work"].value': 'adam.smith@example.test' } }];
        const r = await scim('PATCH', `/Users/${ids.adam}`, patch(...ops));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.displayName, 'Adam Smith');
        assert.equal(r.body.name.familyName, 'Smith-Jones');
        assert.equal(r.body.emails.find((e: { type: string }) => e.type === 'work').value, 'adam.smith@example.test');
        if (ssoType === 'user') assert.equal((await blancaUsers()).find((u) => u.name === 'Adam Smith')?.email, 'adam.smith@example.test');
        else assert.ok((await subaccounts()).some((s) => s.name === 'Adam Smith' && s.email === 'adam.smith@example.test'));
        const put = await scim('PUT', `/Users/${ids.nora}`, { ...entraUser('nora', 'Nora', 'Brown', []), displayName: 'Nora B.' });
        assert.equal(put.body.displayName, 'Nora B.');
        const readOnly = await scim('PATCH', `/Users/${ids.nora}`, patch({ op: 'replace', path: 'id', value: 'x' }));
        assert.equal(readOnly.body.scimType, 'mutability');
      });

      test('assign and unassign app roles: 1:n links follow at once', async () => {
        const unassign = dialect === 'compliant' ? { op: 'remove', path: 'roles[value eq "Marketing"]' } : { op: 'Replace', path: 'roles', value: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Customer Service', value: 'CustomerService' }] };
        assert.equal((await scim('PATCH', `/Users/${ids.eve}`, patch(unassign))).status, 200);
        const assign = { op: dialect === 'compliant' ? 'add' : 'Add', path: 'roles', value: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Marketing', value: 'Marketing' }] };
        assert.equal((await scim('PATCH', `/Users/${ids.steve}`, patch(assign))).status, 200);
        const roles = (await scim('GET', `/Users/${ids.eve}`)).body.roles.map((r: { value: string }) => r.value);
        assert.deepEqual(roles, dialect === 'compliant' ? ['Customer Service'] : ['CustomerService']);
        if (ssoType === 'subaccount') {
          const subs = await subaccounts();
          assert.deepEqual(subs.find((s) => s.email === 'eve@example.test')?.userIds, [users['Customer Service']]);
          assert.deepEqual(subs.find((s) => s.email === 'steve@example.test')?.userIds.sort(), [users.Marketing, users['Customer Service']].sort());
        }
        // Juan loses whitelabel_admin: no administrative rights left.
        assert.equal((await scim('PATCH', `/Users/${ids.juan}`, patch({ op: 'replace', path: 'roles', value: [] }))).status, 200);
        assert.equal((await subaccounts()).find((s) => s.email === 'juan@example.test')?.role, 'sso');
      });

      test('groups: create, filter, member add (retried) and remove; in 1:n the displayName works like a role value', async () => {
        const created = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], externalId: randomUUID(), displayName: 'Customer Service', meta: { resourceType: 'Group' }, members: [] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const groupId = created.body.id;
        assert.equal((await scim('POST', '/Groups', { displayName: 'customer service' })).body.scimType, 'uniqueness');
        const found = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Customer Service"')}`);
        assert.deepEqual([found.body.totalResults, found.body.Resources[0].id, found.body.Resources[0].members], [1, groupId, undefined]);
        const add = patch({ op: dialect === 'compliant' ? 'add' : 'Add', path: 'members', value: [{ $ref: null, value: ids.nora }] });
        assert.equal((await scim('PATCH', `/Groups/${groupId}`, add)).status, 204);
        assert.equal((await scim('PATCH', `/Groups/${groupId}`, add)).status, 204, "Entra's retry");
        assert.deepEqual((await scim('GET', `/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value), [ids.nora]);
        assert.equal((await scim('GET', `/Groups?filter=${encodeURIComponent(`id eq "${groupId}" and members[value eq "${ids.nora}"]`)}`)).body.totalResults, 1);
        const noraLinks = async () => (await subaccounts()).find((s) => s.email === 'nora@example.test')?.userIds;
        if (ssoType === 'subaccount') assert.deepEqual(await noraLinks(), [users['Customer Service']]);
        const unknown = await scim('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: randomUUID() }] }));
        assert.equal(unknown.body.scimType, 'invalidValue');
        const remove = dialect === 'compliant' ? { op: 'remove', path: `members[value eq "${ids.nora}"]` } : { op: 'Remove', path: 'members', value: [{ $ref: null, value: ids.nora }] };
        assert.equal((await scim('PATCH', `/Groups/${groupId}`, patch(remove))).status, 204);
        assert.deepEqual((await scim('GET', `/Groups/${groupId}`)).body.members, []);
        if (ssoType === 'subaccount') assert.deepEqual(await noraLinks(), []);
        assert.equal((await scim('DELETE', `/Groups/${groupId}`)).status, 204);
        assert.equal((await scim('GET', `/Groups/${groupId}`)).status, 404);
      });

      test('deactivate: sessions end at once, API tokens stop, SAML sign-in refused with the reason; re-activate restores', async () => {
        const before = await samlSignIn('eve', ['CustomerService']);
        assert.equal(before.status, 303, before.body);
        assert.equal(await portalStatus(before.cookie!), 200);
        const eveUser = (await blancaUsers()).find((u) => u.name === 'Eve');
        const userToken = ssoType === 'user' ? await tokenFor(app.blanca, app.accountId, await ownerActor(app.blanca, app.accountId), eveUser!.id) : null;
        if (userToken) assert.equal((await api(app, 'GET', `/users/${eveUser!.id}`, userToken)).status, 200);

        const off = dialect === 'compliant' ? { op: 'replace', path: 'active', value: false } : { op: 'Replace', path: 'active', value: 'False' };
        const r = await scim('PATCH', `/Users/${ids.eve}`, patch(off));
        assert.equal(r.body.active, false);
        assert.equal(await portalStatus(before.cookie!), 303, 'the existing session is refused');
        if (userToken) assert.equal((await api(app, 'GET', `/users/${eveUser!.id}`, userToken)).status, 401, "the user's API token stops");
        const refused = await samlSignIn('eve', ['CustomerService']);
        assert.equal(refused.status, 403);
        assert.equal(refused.cookie, undefined);
        const log = await lastSsoLog();
        assert.equal(log.failureCode, 'deactivated_by_scim');
        assert.match(log.summary, /inactive/);
        if (ssoType === 'user') assert.equal((await blancaUsers()).find((u) => u.name === 'Eve')?.active, false);

        const on = dialect === 'compliant' ? { op: 'replace', path: 'active', value: true } : { op: 'Replace', path: 'active', value: 'True' };
        assert.equal((await scim('PATCH', `/Users/${ids.eve}`, patch(on))).body.active, true);
        const again = await samlSignIn('eve', ['CustomerService']);
        assert.equal(again.status, 303, again.body);
        if (userToken) assert.equal((await api(app, 'GET', `/users/${eveUser!.id}`, userToken)).status, 200);
      });

      test('delete: the person is gone (the 1:1 space and its codes stay); SAML re-creates nobody', async () => {
        assert.equal((await scim('DELETE', `/Users/${ids.steve}`)).status, 204);
        assert.equal((await scim('GET', `/Users/${ids.steve}`)).status, 404);
        assert.equal((await scim('DELETE', `/Users/${ids.steve}`)).status, 404);
        if (ssoType === 'user') {
          const space = (await blancaUsers()).find((u) => u.name === 'Steve');
          assert.ok(space, 'the space stays');
          assert.deepEqual([space.active, space.createdBySso], [false, false]);
          // An administrator hands the space to someone else: a user name and password, active again.
          const handed = await api(app, 'PATCH', `/users/${space.id}`, app.adminToken, { username: 'steve-successor', password: 'successor-pass-1', active: true });
          assert.equal(handed.status, 200, JSON.stringify(handed.body));
          assert.equal(handed.body.active, true);
        } else {
          assert.equal((await subaccounts()).some((s) => s.email === 'steve@example.test'), false);
        }
        const refused = await samlSignIn('steve', ['CustomerService']);
        assert.equal(refused.status, 403);
        assert.equal((await lastSsoLog()).failureCode, 'not_provisioned');
        assert.equal((await subaccounts()).some((s) => s.email === 'steve@example.test'), false);
        const actions = (await api(app, 'GET', '/audit?limit=200', app.adminToken)).body.entries.map((e: { action: string }) => e.action);
        for (const action of ['scim.token_create', 'scim.create_user', 'scim.patch_user', 'scim.deactivate', 'scim.reactivate', 'scim.delete_user', 'scim.create_group', 'scim.patch_group']) assert.ok(actions.includes(action), action);
      });

      test('bounds: malformed JSON, too many operations, a body too large, a bad op, a bad boolean', async () => {
        assert.equal((await scim('POST', '/Users', '{"userName":')).body.scimType, 'invalidSyntax');
        const many = await scim('PATCH', `/Users/${ids.nora}`, patch(...Array.from({ length: 101 }, () => ({ op: 'replace', path: 'displayName', value: 'x' }))));
        assert.deepEqual([many.status, many.body.scimType], [400, 'tooMany']);
        const big = await scim('POST', '/Users', { userName: 'big@example.test', displayName: 'x'.repeat(300 * 1024) });
        assert.equal(big.status, 413);
        assert.equal((await scim('PATCH', `/Users/${ids.nora}`, patch({ op: 'move', path: 'x' }))).body.scimType, 'invalidSyntax');
        assert.equal((await scim('PATCH', `/Users/${ids.nora}`, patch({ op: 'replace', path: 'active', value: 'maybe' }))).body.scimType, 'invalidValue');
        assert.equal((await scim('POST', '/Users', { displayName: 'no userName' })).body.scimType, 'invalidValue');
        const log = await lastSsoLog();
        assert.equal(log.kind, 'scim');
        assert.match(JSON.stringify(log.mapping), /no userName/, 'the refused body is in the SSO log');
      });
    });
  }
}
