import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { describeCertificate, readCertificate, sameCertificate } from './saml/certificates.js';
import { fetchIdpMetadata, parseIdpMetadata } from './saml/idp-metadata.js';
import { getConnection, updateConnection, writeSsoLog, type ConnectionRow } from './store.js';

const METADATA_FETCH = { timeoutMs: 10_000, maxBytes: 1024 * 1024 };
export const CERTIFICATE_WARNING_DAYS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateExpiry {
  subject: string;
  notAfter: Date;
  sha1Thumbprint: string;
  /** Whole days left (negative when already expired). */
  daysLeft: number;
}

/** IdP certificates in use that expire within 60 days (or already did): the SSO tab and the API warn. */
export function expiringCertificates(certificates: string[], now: Date, withinDays = CERTIFICATE_WARNING_DAYS): CertificateExpiry[] {
  return certificates.flatMap((pem) => {
    const read = readCertificate(pem);
    if (!read.ok) return [];
    const c = read.certificate;
    const left = c.notAfter.getTime() - now.getTime();
    if (left > withinDays * DAY_MS) return [];
    return [{ subject: c.subject, notAfter: c.notAfter, sha1Thumbprint: c.sha1Thumbprint, daysLeft: Math.floor(left / DAY_MS) }];
  });
}

export function certificateWarningText(e: CertificateExpiry): string {
  return e.daysLeft < 0
    ? `The IdP signing certificate "${e.subject}" (thumbprint ${e.sha1Thumbprint}) expired on ${e.notAfter.toISOString().slice(0, 10)}. Sign-ins signed with it fail; add the IdP's new certificate or refresh the metadata.`
    : `The IdP signing certificate "${e.subject}" (thumbprint ${e.sha1Thumbprint}) expires on ${e.notAfter.toISOString().slice(0, 10)} (in ${e.daysLeft} days). Make sure the IdP's next certificate is added before then (refresh the metadata).`;
}

export type RefreshResult =
  | { ok: true; added: string[]; removed: string[]; certificates: number; logId: string }
  | { ok: false; reason: string; logId: string | null };

/**
 * Re-reads the IdP metadata from the connection's metadata URL and makes its signing certificates the
 * trusted set (new ones added, ones the IdP no longer lists removed). The diff goes to the SSO log.
 * Nothing changes when the metadata cannot be read, names another entity, or lists no certificate.
 */
export async function refreshIdpMetadata(db: Db, config: Config, accountId: string, now: Date, trigger: 'admin' | 'schedule'): Promise<RefreshResult> {
  const row = await getConnection(db, accountId);
  if (!row || !row.idp_metadata_url) return { ok: false, reason: 'This connection has no IdP metadata URL to refresh from.', logId: null };
  const url = row.idp_metadata_url;
  const by = trigger === 'admin' ? 'on request' : 'on schedule';
  await updateConnection(db, accountId, { metadata_checked_at: now.getTime() });
  const fail = async (reason: string, code: string): Promise<RefreshResult> => {
    const logId = await writeSsoLog(db, { account_id: accountId, direction: 'in', kind: 'metadata', outcome: 'failure', person: null, summary: `Metadata refresh (${by}) from ${url} failed: ${reason} The configured certificates were kept.`, fix: 'Check that the metadata URL still answers with the IdP metadata, or update the certificates by hand.', failure_code: code, xml: null, attributes: null, mapping: null }, now);
    return { ok: false, reason, logId };
  };
  const fetched = await fetchIdpMetadata(url, { ...METADATA_FETCH, allowPrivateHosts: config.ssoMetadataAllowedHosts });
  if (!fetched.ok) return fail(fetched.reason, 'metadata_fetch_failed');
  const parsed = parseIdpMetadata(fetched.body, { now });
  if (!parsed.ok) return fail(parsed.reason, 'metadata_invalid');
  const m = parsed.metadata;
  if (row.idp_entity_id && m.entityId !== row.idp_entity_id) {
    return fail(`The metadata describes "${m.entityId}", not the configured IdP "${row.idp_entity_id}".`, 'metadata_entity_mismatch');
  }
  if (m.signingCertificates.length === 0) return fail('The metadata lists no signing certificate.', 'metadata_invalid');
  const current = JSON.parse(row.idp_certificates) as string[];
  const next = m.signingCertificates.map((c) => c.pem);
  const added = next.filter((pem) => !current.some((have) => sameCertificate(have, pem)));
  const removed = current.filter((have) => !next.some((pem) => sameCertificate(have, pem)));
  await updateConnection(db, accountId, { ...(added.length || removed.length ? { idp_certificates: JSON.stringify(next) } : {}), metadata_fetched_at: now.getTime(), updated_at: now.getTime() });
  const diff = added.length || removed.length
    ? [...added.map((pem) => `added ${describeCertificate(pem)}`), ...removed.map((pem) => `removed ${describeCertificate(pem)}`)].join('; ')
    : 'no certificate changed';
  const logId = await writeSsoLog(db, {
    account_id: accountId,
    direction: 'in',
    kind: 'metadata',
    outcome: 'info',
    person: null,
    summary: `Metadata refresh (${by}) from ${url}: ${next.length} signing certificate(s); ${diff}.${m.warnings.length ? ` ${m.warnings.join(' ')}` : ''}`,
    fix: null,
    failure_code: null,
    xml: fetched.body.toString('utf8').slice(0, 200_000),
    attributes: null,
    mapping: JSON.stringify({ added: added.map(describeCertificate), removed: removed.map(describeCertificate) }),
  }, now);
  return { ok: true, added, removed, certificates: next.length, logId };
}

/** Connected accounts with a metadata URL whose metadata was last refreshed (or tried) before `olderThan`. */
export async function connectionsDueForRefresh(db: Db, olderThan: Date): Promise<ConnectionRow[]> {
  return db
    .selectFrom('sso_connections')
    .selectAll()
    .where('status', '=', 'connected')
    .where('idp_metadata_url', 'is not', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('metadata_checked_at', 'is', null), eb.or([eb('metadata_fetched_at', 'is', null), eb('metadata_fetched_at', '<', olderThan.getTime())])]),
        eb('metadata_checked_at', '<', olderThan.getTime()),
      ]),
    )
    .execute();
}
