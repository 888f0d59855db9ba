import { readCertificate, type CertificateInfo } from "./certificates.js";
import { formatSize } from "./metadata-fetch.js";
import { NS, attr, children, descendants, parseUntrustedXml, qualifiedName, text } from "./xml.js";

export { fetchIdpMetadata } from "./metadata-fetch.js";
export type { FetchIdpMetadataOptions, FetchIdpMetadataResult, LookupAll } from "./metadata-fetch.js";

export const BINDING = {
  redirect: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
  post: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
} as const;

const SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol";
export const DEFAULT_METADATA_MAX_BYTES = 1024 * 1024;

export interface Endpoints {
  redirect?: string;
  post?: string;
}

export interface IdpMetadata {
  entityId: string;
  ssoUrls: Endpoints;
  sloUrls: Endpoints;
  /** Every signing key of the IdP, in document order; several during a rollover, expired ones kept. */
  signingCertificates: CertificateInfo[];
  nameIdFormats: string[];
  wantAuthnRequestsSigned: boolean;
  validUntil: Date | null;
  /** Things the admin should know; none of them stops the import. */
  warnings: string[];
}

export type ParseIdpMetadataResult = { ok: true; metadata: IdpMetadata } | { ok: false; reason: string };

export interface ParseIdpMetadataOptions {
  /** Used only to say which certificates have expired. */
  now: Date;
  maxBytes?: number;
}

/**
 * Reads SAML 2.0 IdP metadata (Entra "App Federation Metadata", tenant metadata, ADFS, Okta, …).
 * Only IDPSSODescriptor elements that support SAML 2.0 count: Entra's WS-Federation RoleDescriptors
 * and ADFS's SPSSODescriptor carry keys too, but they are not the IdP's SAML signing keys.
 * The metadata's own signature is not checked here (see README: only worth it against a pinned key).
 */
export function parseIdpMetadata(xml: string | Buffer, options: ParseIdpMetadataOptions): ParseIdpMetadataResult {
  const maxBytes = options.maxBytes ?? DEFAULT_METADATA_MAX_BYTES;
  const parsed = parseUntrustedXml(xml, maxBytes);
  if (!parsed.ok) {
    switch (parsed.problem) {
      case "too_large":
        return { ok: false, reason: `The metadata document is larger than ${formatSize(maxBytes)} (${parsed.detail}).` };
      case "doctype":
        return { ok: false, reason: "The metadata document contains a DOCTYPE; the SP refuses DOCTYPEs (they enable XXE and entity-expansion attacks). Export the metadata again from the IdP." };
      case "malformed":
        return { ok: false, reason: `The metadata is not well-formed XML: ${parsed.detail}.` };
    }
  }

  const root = parsed.root;
  let entities: Element[];
  if (root.namespaceURI === NS.md && root.localName === "EntityDescriptor") entities = [root];
  else if (root.namespaceURI === NS.md && root.localName === "EntitiesDescriptor") entities = descendants(root, NS.md, "EntityDescriptor");
  else {
    return { ok: false, reason: `This is not SAML 2.0 metadata: the root element is ${qualifiedName(root)}, expected EntityDescriptor in namespace ${NS.md}.` };
  }

  const idps = entities
    .map((entity) => ({ entity, descriptors: children(entity, NS.md, "IDPSSODescriptor").filter(supportsSaml2) }))
    .filter((candidate) => candidate.descriptors.length > 0);
  if (idps.length === 0) {
    const hasSp = entities.some((entity) => children(entity, NS.md, "SPSSODescriptor").length > 0);
    return {
      ok: false,
      reason: hasSp
        ? "The metadata describes a service provider, not an identity provider (no IDPSSODescriptor for SAML 2.0). Use the IdP's federation metadata."
        : "The metadata has no IDPSSODescriptor that supports SAML 2.0 (urn:oasis:names:tc:SAML:2.0:protocol).",
    };
  }
  if (idps.length > 1) {
    const ids = idps.map((idp) => attr(idp.entity, "entityID") ?? "(no entityID)").join(", ");
    return { ok: false, reason: `The metadata lists ${idps.length} identity providers (${ids}); import the metadata of just one.` };
  }
  const { entity, descriptors } = idps[0]!;
  const warnings: string[] = [];

  const entityId = (attr(entity, "entityID") ?? "").trim();
  if (!entityId) return { ok: false, reason: "The EntityDescriptor has no entityID." };
  if (entityId.includes("{tenantid}")) {
    warnings.push(
      `The entity ID "${entityId}" contains the placeholder {tenantid}: this is Entra's tenant-independent metadata. Use the App Federation Metadata Url of your application, or enter your tenant's issuer (https://sts.windows.net/<tenant-id>/) by hand.`,
    );
  }
  if (descriptors.length > 1) warnings.push(`The entity has ${descriptors.length} SAML 2.0 IDPSSODescriptors; only the first is used.`);
  const idp = descriptors[0]!;

  const signingCertificates: CertificateInfo[] = [];
  for (const keyDescriptor of children(idp, NS.md, "KeyDescriptor")) {
    const use = attr(keyDescriptor, "use");
    if (use !== null && use !== "signing") continue; // no `use` means signing and encryption
    for (const certificateElement of descendants(keyDescriptor, NS.ds, "X509Certificate")) {
      const read = readCertificate(certificateElement.textContent ?? "");
      if (!read.ok) {
        warnings.push(`A signing certificate was skipped because ${read.reason}.`);
        continue;
      }
      if (signingCertificates.some((known) => known.base64 === read.certificate.base64)) continue;
      signingCertificates.push(read.certificate);
    }
  }
  if (signingCertificates.length === 0) {
    return { ok: false, reason: "The IDPSSODescriptor has no usable signing certificate (KeyDescriptor use=\"signing\" or without use)." };
  }
  for (const certificate of signingCertificates) {
    if (certificate.expired(options.now)) {
      warnings.push(
        `The signing certificate "${certificate.subject}" (thumbprint ${certificate.sha1Thumbprint}) expired on ${certificate.notAfter.toISOString().slice(0, 10)}. It is kept because IdPs list old keys during rollover; remove it once the IdP no longer signs with it.`,
      );
    }
  }

  const ssoUrls = endpoints(idp, "SingleSignOnService");
  if (!ssoUrls.redirect && !ssoUrls.post) {
    return { ok: false, reason: "The IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding." };
  }
  const sloUrls = endpoints(idp, "SingleLogoutService");

  const validUntilText = attr(entity, "validUntil") ?? attr(root, "validUntil");
  let validUntil: Date | null = null;
  if (validUntilText) {
    const parsedDate = new Date(validUntilText);
    if (Number.isNaN(parsedDate.getTime())) warnings.push(`validUntil "${validUntilText}" is not a date and was ignored.`);
    else {
      validUntil = parsedDate;
      if (parsedDate.getTime() < options.now.getTime()) warnings.push(`The metadata says it was valid only until ${validUntilText}.`);
    }
  }

  return {
    ok: true,
    metadata: {
      entityId,
      ssoUrls,
      sloUrls,
      signingCertificates,
      nameIdFormats: children(idp, NS.md, "NameIDFormat").map((element) => text(element)).filter(Boolean),
      wantAuthnRequestsSigned: attr(idp, "WantAuthnRequestsSigned") === "true" || attr(idp, "WantAuthnRequestsSigned") === "1",
      validUntil,
      warnings,
    },
  };
}

function supportsSaml2(descriptor: Element): boolean {
  return (attr(descriptor, "protocolSupportEnumeration") ?? "").split(/\s+/).includes(SAML2_PROTOCOL);
}

function endpoints(descriptor: Element, localName: "SingleSignOnService" | "SingleLogoutService"): Endpoints {
  const found: Endpoints = {};
  for (const service of children(descriptor, NS.md, localName)) {
    const location = (attr(service, "Location") ?? "").trim();
    if (!location) continue;
    const binding = attr(service, "Binding");
    if (binding === BINDING.redirect && !found.redirect) found.redirect = location;
    if (binding === BINDING.post && !found.post) found.post = location;
  }
  return found;
}
