import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import type { AccountRow } from '../accounts/store.js';
import { getAccount } from '../accounts/store.js';
import { hasPermission } from '../auth/permissions.js';
import type { Config } from '../config.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import type { ServiceContext } from '../auth/context.js';
import { ENTRA_ATTRIBUTES, type AttributeNames } from './attributes.js';
import { readCertificate } from './saml/certificates.js';
import { fetchIdpMetadata, parseIdpMetadata, type IdpMetadata } from './saml/idp-metadata.js';
import { buildSpMetadata } from './saml/sp-metadata.js';
import { generateSpKeyPair } from './saml/sp-keys.js';
import type { ConnectInput, ConnectionView, ImportMetadataInput } from './schemas.js';
import { syncDomainClaims } from './domains/service.js';
import { certificateWarningText, expiringCertificates, refreshIdpMetadata, type RefreshResult } from './lifecycle.js';
import { encodeLogMessages } from './log-messages.js';
import { DEFAULT_LOG_RETENTION_DAYS, getConnection, insertConnection, updateConnection, writeSsoLog, type ConnectionRow } from './store.js';

export const DEFAULT_CLOCK_SKEW_SECONDS = 180;

/** What Connect did on its own, for the admin (translated on the SSO tab, codes in the API). */
export type ConnectNotice = 'signed_requests_required' | 'metadata_reread_failed';
const CONNECT_NOTICE_LOG: Record<ConnectNotice, string> = {
  signed_requests_required: 'The IdP metadata has WantAuthnRequestsSigned="true": signed AuthnRequests were switched on (signed with the current SP key). Upload the SP metadata to the IdP again so it has the signing certificate.',
  metadata_reread_failed: 'Connect could not re-read the IdP metadata URL; the saved entity ID, URLs and certificates were kept.',
};
const METADATA_FETCH = { timeoutMs: 10_000, maxBytes: 1024 * 1024 };

export interface SpEndpoints {
  entityId: string;
  descriptorUrl: string;
  acsUrl: string;
  sloUrl: string;
  signInUrl: string;
}

/** One SP per account: its entity ID is its descriptor (metadata) URL. */
export function spEndpoints(publicUrl: string, slug: string): SpEndpoints {
  const base = `${publicUrl}/sso/${encodeURIComponent(slug)}`;
  return { entityId: `${base}/metadata`, descriptorUrl: `${base}/metadata`, acsUrl: `${base}/acs`, sloUrl: `${base}/slo`, signInUrl: `${base}/login` };
}

export function attributeNamesOf(row: ConnectionRow): AttributeNames {
  return { firstName: row.attr_first_name, lastName: row.attr_last_name, email: row.attr_email, displayName: row.attr_display_name, role: row.attr_role };
}

export function certificatesOf(row: ConnectionRow): string[] {
  return JSON.parse(row.idp_certificates) as string[];
}

/**
 * Blanca's SP metadata: the current signing certificate plus the next one during an SP key rotation,
 * and always one encryption certificate (so token encryption can be switched on at the IdP): the
 * next key's during a rotation (both keys decrypt until Finish), the current key's otherwise.
 */
export function spMetadataXml(row: ConnectionRow, endpoints: SpEndpoints): string {
  return buildSpMetadata({
    entityId: endpoints.entityId,
    acsUrl: endpoints.acsUrl,
    sloUrl: endpoints.sloUrl,
    signingCertificates: row.sp_next_certificate ? [row.sp_certificate, row.sp_next_certificate] : [row.sp_certificate],
    encryptionCertificate: row.sp_next_certificate ?? row.sp_certificate,
    nameIdFormats: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'],
    wantAssertionsSigned: row.require_signed_assertions === 1,
    authnRequestsSigned: row.sign_authn_requests === 1,
  });
}

/** Keys that decrypt encrypted assertions: the current one, and the next one during a rotation. */
export function spDecryptionKeys(row: ConnectionRow): string[] {
  return row.sp_next_private_key ? [row.sp_private_key, row.sp_next_private_key] : [row.sp_private_key];
}

/** The key that signs AuthnRequests and logout messages: always the current one (the next only after Finish). */
export function spSigningKey(row: ConnectionRow): { privateKeyPem: string; certificatePem: string } {
  return { privateKeyPem: row.sp_private_key, certificatePem: row.sp_certificate };
}

function spKeyView(pem: string) {
  const read = readCertificate(pem);
  if (!read.ok) return null;
  const c = read.certificate;
  return { subject: c.subject, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), sha1Thumbprint: c.sha1Thumbprint };
}

export function toConnectionView(row: ConnectionRow | undefined, account: AccountRow, config: Config, now: Date): ConnectionView {
  const sp = spEndpoints(config.publicUrl, account.slug);
  const certificates = row ? certificatesOf(row) : [];
  return {
    status: row ? row.status : 'not_configured',
    ssoType: row?.sso_type ?? 'user',
    idpMetadataUrl: row?.idp_metadata_url ?? null,
    idpEntityId: row?.idp_entity_id ?? null,
    idpSsoUrl: row?.idp_sso_url ?? null,
    idpSloUrl: row?.idp_slo_url ?? null,
    idpCertificates: certificates.flatMap((pem) => {
      const read = readCertificate(pem);
      if (!read.ok) return [];
      const c = read.certificate;
      return [{ subject: c.subject, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), sha1Thumbprint: c.sha1Thumbprint, expired: c.expired(now) }];
    }),
    attributes: row ? attributeNamesOf(row) : ENTRA_ATTRIBUTES,
    allowIdpInitiated: row ? row.allow_idp_initiated === 1 : true,
    allowSha1: row ? row.allow_sha1 === 1 : false,
    clockSkewSeconds: row?.clock_skew_seconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    logRetentionDays: row?.log_retention_days ?? DEFAULT_LOG_RETENTION_DAYS,
    emailDomains: row ? (JSON.parse(row.email_domains) as string[]) : [],
    signAuthnRequests: row ? row.sign_authn_requests === 1 : false,
    requireSignedAssertions: row ? row.require_signed_assertions === 1 : false,
    notices: [],
    sessionLifetimeHours: row?.session_lifetime_hours ?? 12,
    enforceSso: row ? row.enforce_sso === 1 : false,
    spKeys: {
      current: row ? spKeyView(row.sp_certificate) : null,
      next: row?.sp_next_certificate ? spKeyView(row.sp_next_certificate) : null,
      rotationStartedAt: row?.sp_rotation_started_at ? new Date(row.sp_rotation_started_at).toISOString() : null,
    },
    warnings: expiringCertificates(certificates, now).map(certificateWarningText),
    sp: { entityId: sp.entityId, descriptorUrl: sp.descriptorUrl, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, signInUrl: sp.signInUrl },
  };
}

async function requireSsoAdmin(ctx: ServiceContext): Promise<AccountRow> {
  // Administrators, account tokens, and SSO set-up links (which reach only the SSO tab's own routes).
  if (!hasPermission(ctx.actor, 'sso.configure')) throw forbidden('Only administrators can configure single sign-on.');
  const account = await getAccount(ctx.db, ctx.actor.accountId);
  if (!account) throw notFound('This account');
  if (account.sso_enabled !== 1) throw new AppError('feature_disabled', 'Single sign-on is an enterprise feature. Ask the platform operator to switch it on for this account.');
  return account;
}

/** The connection row, created as a draft (with Blanca's SP key pair) the first time an admin opens the tab. */
export async function ensureConnection(ctx: ServiceContext): Promise<{ account: AccountRow; row: ConnectionRow }> {
  const account = await requireSsoAdmin(ctx);
  const existing = await getConnection(ctx.db, account.id);
  if (existing) return { account, row: existing };
  const keys = await generateSpKeyPair({ commonName: account.name.slice(0, 64), now: ctx.now });
  await insertConnection(ctx.db, {
    account_id: account.id,
    sso_type: 'user',
    status: 'draft',
    idp_metadata_url: null,
    idp_entity_id: null,
    idp_sso_url: null,
    idp_slo_url: null,
    idp_certificates: '[]',
    attr_first_name: ENTRA_ATTRIBUTES.firstName,
    attr_last_name: ENTRA_ATTRIBUTES.lastName,
    attr_email: ENTRA_ATTRIBUTES.email,
    attr_display_name: ENTRA_ATTRIBUTES.displayName,
    attr_role: ENTRA_ATTRIBUTES.role,
    allow_idp_initiated: 1,
    allow_sha1: 0,
    clock_skew_seconds: DEFAULT_CLOCK_SKEW_SECONDS,
    email_domains: '[]',
    sp_private_key: keys.privateKeyPem,
    sp_certificate: keys.certificatePem,
    metadata_fetched_at: null,
    connected_at: null,
    created_at: ctx.now.getTime(),
    updated_at: ctx.now.getTime(),
  });
  return { account, row: (await getConnection(ctx.db, account.id))! };
}

export type MetadataResult = { ok: true; metadata: IdpMetadata } | { ok: false; reason: string };

/** Fetches (SSRF-safe) or parses IdP metadata; every attempt is written to the SSO log. */
export async function readIdpMetadata(ctx: ServiceContext, config: Config, input: ImportMetadataInput): Promise<MetadataResult> {
  let body: Buffer | string;
  if (input.xml && input.xml.trim() !== '') {
    body = input.xml;
  } else if (input.url) {
    const fetched = await fetchIdpMetadata(input.url, { ...METADATA_FETCH, allowPrivateHosts: config.ssoMetadataAllowedHosts });
    if (!fetched.ok) {
      await writeSsoLog(ctx.db, { account_id: ctx.actor.accountId, direction: 'in', kind: 'metadata', outcome: 'failure', person: null, summary: `Could not download the IdP metadata from ${input.url}: ${fetched.reason}`, fix: 'Check the App Federation Metadata Url, or paste the metadata XML instead.', failure_code: 'metadata_fetch_failed', xml: null, attributes: null, mapping: null, messages: encodeLogMessages({ summary: { key: 'sso.msg.metadataFetchFailed', params: { url: input.url, reason: fetched.reason } }, fix: { key: 'sso.fix.metadataFetchFailed' } }) }, ctx.now);
      return { ok: false, reason: fetched.reason };
    }
    body = fetched.body;
  } else {
    return { ok: false, reason: 'Enter the IdP SSO descriptor URL or paste the metadata XML.' };
  }
  const read = parseIdpMetadata(body, { now: ctx.now });
  const parsed = recogniseMetadataMistakes(body, read) ?? read;
  await writeSsoLog(ctx.db, {
    account_id: ctx.actor.accountId,
    direction: 'in',
    kind: 'metadata',
    outcome: parsed.ok ? 'info' : 'failure',
    person: null,
    summary: parsed.ok ? `Read IdP metadata of ${parsed.metadata.entityId}: ${parsed.metadata.signingCertificates.length} signing certificate(s).${parsed.metadata.warnings.length ? ` ${parsed.metadata.warnings.join(' ')}` : ''}` : `The IdP metadata could not be used: ${parsed.reason}`,
    fix: parsed.ok ? null : 'Make sure the URL or file is the IdP (not the SP) metadata, e.g. Entra\'s App Federation Metadata Url.',
    failure_code: parsed.ok ? null : 'metadata_invalid',
    xml: typeof body === 'string' ? body.slice(0, 200_000) : body.toString('utf8').slice(0, 200_000),
    attributes: null,
    mapping: null,
    messages: encodeLogMessages(parsed.ok
      ? { summary: { key: 'sso.msg.metadataRead', params: { entityId: parsed.metadata.entityId, count: String(parsed.metadata.signingCertificates.length) } }, ...(parsed.metadata.warnings.length ? { warnings: parsed.metadata.warnings } : {}) }
      : { summary: { key: 'sso.msg.metadataInvalid', params: { reason: parsed.reason } }, fix: { key: 'sso.fix.metadataInvalid' } }),
  }, ctx.now);
  return parsed;
}

const TENANT_INDEPENDENT_FIX = 'In Entra open Enterprise applications > your application > Single sign-on > SAML Certificates and copy the App Federation Metadata Url (it names your tenant and the application\'s appid).';

/**
 * What admins really paste or enter instead of the application's metadata: a PEM certificate, or
 * Entra's tenant-independent ("common") metadata, whose issuer `https://sts.windows.net/{tenantid}/`
 * no sign-in can ever match. Null when the document should be parsed as metadata.
 */
export function recogniseMetadataMistakes(body: Buffer | string, parsed: ReturnType<typeof parseIdpMetadata>): { ok: false; reason: string } | null {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '').trim();
  if (text.startsWith('-----BEGIN CERTIFICATE-----')) {
    const certificate = readCertificate(text);
    return { ok: false, reason: `This is a certificate (PEM${certificate.ok ? `, ${certificate.certificate.subject}` : ''}), not metadata. Paste it under "IdP signing certificates" (Entra: Certificate (Base64)) and enter the entity ID and login URL by hand, or use the App Federation Metadata Url instead.` };
  }
  if (parsed.ok && (parsed.metadata.entityId.includes('{tenantid}') || /\/common\/saml2/i.test(parsed.metadata.ssoUrls.redirect ?? parsed.metadata.ssoUrls.post ?? ''))) {
    return { ok: false, reason: `This is Entra's tenant-independent metadata (entity ID ${parsed.metadata.entityId}): its issuer names no tenant, so no sign-in could ever match it. ${TENANT_INDEPENDENT_FIX}` };
  }
  return null;
}

function fieldError(path: string, message: string): AppError {
  return new AppError('validation_failed', message, [{ path, message }]);
}

/**
 * Connect: saves the SSO tab and activates the connection. A metadata URL or XML is read first and
 * fills what the admin left empty; whatever the admin typed wins.
 */
export async function connect(ctx: ServiceContext, config: Config, input: ConnectInput): Promise<ConnectionView> {
  const { account, row } = await ensureConnection(ctx);
  let metadata: IdpMetadata | null = null;
  const notices: ConnectNotice[] = [];
  // Connect with a metadata URL always re-reads it (new certificates after a rollover); a failure is
  // fatal only when nothing saved could stand in, otherwise the saved values stay and the admin is told.
  if ((input.idpMetadataXml && input.idpMetadataXml.trim()) || input.idpMetadataUrl) {
    const read = await readIdpMetadata(ctx, config, { ...(input.idpMetadataUrl ? { url: input.idpMetadataUrl } : {}), ...(input.idpMetadataXml ? { xml: input.idpMetadataXml } : {}) });
    const reread = !input.idpMetadataXml?.trim() && input.idpMetadataUrl === row.idp_metadata_url && row.idp_entity_id !== null;
    if (!read.ok && !(reread && !/tenant-independent|not metadata/.test(read.reason))) throw fieldError(input.idpMetadataXml ? 'idpMetadataXml' : 'idpMetadataUrl', `${read.reason} You can also enter the URLs and the certificate by hand.`);
    if (read.ok) metadata = read.metadata;
    else notices.push('metadata_reread_failed');
  }
  // The IdP says it wants signed AuthnRequests: without them the first sign-in dies at the IdP.
  const signRequests = metadata?.wantAuthnRequestsSigned === true && input.signAuthnRequests !== true ? true : undefined;
  if (signRequests && row.sign_authn_requests !== 1) notices.push('signed_requests_required');
  const typedCertificates = (input.idpCertificates ?? []).map((c) => c.trim()).filter(Boolean);
  for (const [index, pem] of typedCertificates.entries()) {
    const read = readCertificate(pem);
    if (!read.ok) throw fieldError(`idpCertificates[${index}]`, `This is not an X.509 certificate: ${read.reason}`);
  }
  const certificates = typedCertificates.length > 0 ? typedCertificates : metadata ? metadata.signingCertificates.map((c) => c.pem) : certificatesOf(row);
  const entityId = input.idpEntityId?.trim() || metadata?.entityId || row.idp_entity_id;
  const ssoUrl = input.idpSsoUrl?.trim() || metadata?.ssoUrls.redirect || metadata?.ssoUrls.post || row.idp_sso_url;
  const sloUrl = input.idpSloUrl === null ? null : input.idpSloUrl?.trim() || metadata?.sloUrls.redirect || metadata?.sloUrls.post || row.idp_slo_url;
  if (!entityId) throw fieldError('idpEntityId', 'Enter the IdP entity ID (Entra: Microsoft Entra Identifier), or a metadata URL it can be read from.');
  if (!ssoUrl) throw fieldError('idpSsoUrl', 'Enter the SSO login service URL (Entra: Login URL), or a metadata URL it can be read from.');
  if (certificates.length === 0) throw fieldError('idpCertificates', 'Paste the IdP signing certificate (Entra: Certificate (Base64)), or a metadata URL it can be read from.');
  const attributes = input.attributes ?? attributeNamesOf(row);
  const changes = {
    sso_type: input.ssoType,
    status: 'connected' as const,
    idp_metadata_url: input.idpMetadataUrl === undefined ? row.idp_metadata_url : input.idpMetadataUrl,
    idp_entity_id: entityId,
    idp_sso_url: ssoUrl,
    idp_slo_url: sloUrl ?? null,
    idp_certificates: JSON.stringify(certificates),
    attr_first_name: attributes.firstName.trim(),
    attr_last_name: attributes.lastName.trim(),
    attr_email: attributes.email.trim(),
    attr_display_name: attributes.displayName.trim(),
    attr_role: attributes.role.trim(),
    allow_idp_initiated: input.allowIdpInitiated === undefined ? row.allow_idp_initiated : input.allowIdpInitiated ? 1 : 0,
    allow_sha1: input.allowSha1 === undefined ? row.allow_sha1 : input.allowSha1 ? 1 : 0,
    clock_skew_seconds: input.clockSkewSeconds ?? row.clock_skew_seconds,
    sign_authn_requests: signRequests ? 1 : input.signAuthnRequests === undefined ? row.sign_authn_requests : input.signAuthnRequests ? 1 : 0,
    session_lifetime_hours: input.sessionLifetimeHours ?? row.session_lifetime_hours,
    enforce_sso: input.enforceSso === undefined ? row.enforce_sso : input.enforceSso ? 1 : 0,
    require_signed_assertions: input.requireSignedAssertions === undefined ? row.require_signed_assertions : input.requireSignedAssertions ? 1 : 0,
    log_retention_days: input.logRetentionDays ?? row.log_retention_days,
    email_domains: JSON.stringify([...new Set((input.emailDomains ?? (JSON.parse(row.email_domains) as string[])).map((d) => d.toLowerCase()))]),
    ...(metadata ? { metadata_fetched_at: ctx.now.getTime() } : {}),
    connected_at: row.connected_at ?? ctx.now.getTime(),
    updated_at: ctx.now.getTime(),
  };
  await ctx.db.transaction().execute(async (tx) => {
    await updateConnection(tx, account.id, changes);
    // Listed domains become pending claims; they route sign-ins only once verified (domains/service.ts).
    if (input.emailDomains) await syncDomainClaims(tx, account.id, input.emailDomains, auditActor(ctx.actor), ctx.now);
    if (changes.enforce_sso !== row.enforce_sso) await recordAudit(tx, { accountId: account.id, actor: auditActor(ctx.actor), action: changes.enforce_sso === 1 ? 'sso.enforce_on' : 'sso.enforce_off', object: { type: 'sso_connection', id: account.id, label: entityId }, detail: { enforceSso: changes.enforce_sso === 1 } }, ctx.now);
    await recordAudit(tx, { accountId: account.id, actor: auditActor(ctx.actor), action: 'sso.connect', object: { type: 'sso_connection', id: account.id, label: entityId }, detail: { ssoType: input.ssoType, idpEntityId: entityId, certificates: certificates.length, fromMetadata: metadata !== null, signAuthnRequests: changes.sign_authn_requests === 1 } }, ctx.now);
  });
  if (notices.length > 0) await writeSsoLog(ctx.db, { account_id: account.id, direction: 'in', kind: 'metadata', outcome: 'info', person: null, summary: notices.map((notice) => CONNECT_NOTICE_LOG[notice]).join(' '), fix: null, failure_code: null, xml: null, attributes: null, mapping: null }, ctx.now);
  return { ...toConnectionView(await getConnection(ctx.db, account.id), account, config, ctx.now), notices };
}

export async function getConnectionView(ctx: ServiceContext, config: Config): Promise<ConnectionView> {
  const account = await requireSsoAdmin(ctx);
  return toConnectionView(await getConnection(ctx.db, account.id), account, config, ctx.now);
}

/** "Refresh metadata" (SSO tab and API): re-reads the IdP metadata URL now; the diff goes to the SSO log. */
export async function refreshMetadataNow(ctx: ServiceContext, config: Config): Promise<RefreshResult> {
  const account = await requireSsoAdmin(ctx);
  const row = await getConnection(ctx.db, account.id);
  if (!row?.idp_metadata_url) throw fieldError('idpMetadataUrl', 'Enter and save an IdP SSO descriptor (metadata) URL first; there is nothing to refresh from.');
  const result = await refreshIdpMetadata(ctx.db, config, account.id, ctx.now, 'admin');
  if (result.ok && (result.added.length || result.removed.length)) {
    await recordAudit(ctx.db, { accountId: account.id, actor: auditActor(ctx.actor), action: 'sso.metadata_refresh', object: { type: 'sso_connection', id: account.id, label: row.idp_entity_id ?? account.id }, detail: { added: result.added.length, removed: result.removed.length } }, ctx.now);
  }
  return result;
}

/**
 * "Start SP key rotation": makes the next SP key pair. Both signing certificates are published in the
 * SP metadata from now on (the encryption certificate becomes the next key's); messages are still
 * signed with the current key, and encrypted assertions decrypt with either key until Finish.
 */
export async function startSpKeyRotation(ctx: ServiceContext, config: Config): Promise<ConnectionView> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can rotate the SP key.');
  const { account, row } = await ensureConnection(ctx);
  if (row.sp_next_certificate) throw new AppError('conflict', 'An SP key rotation is already in progress. Finish it (once the IdP has the new SP metadata) before starting another.');
  const keys = await generateSpKeyPair({ commonName: account.name.slice(0, 64), now: ctx.now });
  const next = spKeyView(keys.certificatePem);
  const current = spKeyView(row.sp_certificate);
  await ctx.db.transaction().execute(async (tx) => {
    await updateConnection(tx, account.id, { sp_next_private_key: keys.privateKeyPem, sp_next_certificate: keys.certificatePem, sp_rotation_started_at: ctx.now.getTime(), updated_at: ctx.now.getTime() });
    await writeSsoLog(tx, { account_id: account.id, direction: 'out', kind: 'sp_key', outcome: 'info', person: null, summary: `SP key rotation started: the SP metadata now lists the current signing certificate (thumbprint ${current?.sha1Thumbprint}) and the next one (thumbprint ${next?.sha1Thumbprint}, valid until ${next?.notAfter.slice(0, 10)}); the encryption certificate is the next one. Messages are still signed with the current key; encrypted assertions are decrypted with either key.`, fix: 'Upload the SP metadata to the IdP again (Entra: the new certificate for token encryption / request verification), then press Finish rotation.', failure_code: null, xml: null, attributes: null, mapping: null }, ctx.now);
    await recordAudit(tx, { accountId: account.id, actor: auditActor(ctx.actor), action: 'sso.sp_key_rotation_start', object: { type: 'sso_connection', id: account.id, label: row.idp_entity_id ?? account.id }, detail: { currentThumbprint: current?.sha1Thumbprint ?? null, nextThumbprint: next?.sha1Thumbprint ?? null } }, ctx.now);
  });
  return toConnectionView(await getConnection(ctx.db, account.id), account, config, ctx.now);
}

/** "Finish rotation": the next SP key becomes the current one; the old key is deleted and no longer decrypts. */
export async function finishSpKeyRotation(ctx: ServiceContext, config: Config): Promise<ConnectionView> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can rotate the SP key.');
  const { account, row } = await ensureConnection(ctx);
  if (!row.sp_next_certificate || !row.sp_next_private_key) throw new AppError('validation_failed', 'No SP key rotation is in progress: press Start SP key rotation first.');
  const old = spKeyView(row.sp_certificate);
  const next = spKeyView(row.sp_next_certificate);
  await ctx.db.transaction().execute(async (tx) => {
    await updateConnection(tx, account.id, { sp_private_key: row.sp_next_private_key!, sp_certificate: row.sp_next_certificate!, sp_next_private_key: null, sp_next_certificate: null, sp_rotation_started_at: null, updated_at: ctx.now.getTime() });
    await writeSsoLog(tx, { account_id: account.id, direction: 'out', kind: 'sp_key', outcome: 'info', person: null, summary: `SP key rotation finished: the SP key with thumbprint ${next?.sha1Thumbprint} is now current and signs the SP's messages; the old key (thumbprint ${old?.sha1Thumbprint}) was deleted, and assertions encrypted to it are refused.`, fix: null, failure_code: null, xml: null, attributes: null, mapping: null }, ctx.now);
    await recordAudit(tx, { accountId: account.id, actor: auditActor(ctx.actor), action: 'sso.sp_key_rotation_finish', object: { type: 'sso_connection', id: account.id, label: row.idp_entity_id ?? account.id }, detail: { oldThumbprint: old?.sha1Thumbprint ?? null, currentThumbprint: next?.sha1Thumbprint ?? null } }, ctx.now);
  });
  return toConnectionView(await getConnection(ctx.db, account.id), account, config, ctx.now);
}
