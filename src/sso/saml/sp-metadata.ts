import { certificateBody } from "./certificates.js";
import { BINDING } from "./idp-metadata.js";
import { NS, escapeXml } from "./xml.js";

export interface SpOrganization {
  name: string;
  displayName: string;
  url: string;
  /** xml:lang of the three values; "en" by default. */
  lang?: string;
}

export interface SpMetadataInput {
  entityId: string;
  acsUrl: string;
  /** Single logout endpoint, offered with HTTP-Redirect and HTTP-POST. */
  sloUrl?: string;
  /** PEM or base64; the current certificate plus the next one during a rotation. */
  signingCertificates: string[];
  encryptionCertificate?: string;
  nameIdFormats: string[];
  /** The account's "Require signed assertions"; false lets a Response signature over the assertion suffice. */
  wantAssertionsSigned: boolean;
  authnRequestsSigned: boolean;
  organization?: SpOrganization;
}

/**
 * Blanca's SP metadata (one per account), the file the admin uploads in Entra
 * ("Upload metadata file"). Element order follows saml-schema-metadata-2.0.xsd.
 */
export function buildSpMetadata(input: SpMetadataInput): string {
  const lines: string[] = [];
  lines.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  lines.push(`<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="${escapeXml(input.entityId)}">`);
  lines.push(
    `  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="${input.authnRequestsSigned}" WantAssertionsSigned="${input.wantAssertionsSigned}">`,
  );
  for (const certificate of input.signingCertificates) lines.push(...keyDescriptor("signing", certificate));
  if (input.encryptionCertificate) {
    lines.push(...keyDescriptor("encryption", input.encryptionCertificate, [
      "http://www.w3.org/2009/xmlenc11#aes256-gcm",
      "http://www.w3.org/2009/xmlenc11#aes128-gcm",
      "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
      "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    ]));
  }
  if (input.sloUrl) {
    const location = escapeXml(input.sloUrl);
    lines.push(`    <md:SingleLogoutService Binding="${BINDING.redirect}" Location="${location}"/>`);
    lines.push(`    <md:SingleLogoutService Binding="${BINDING.post}" Location="${location}"/>`);
  }
  for (const format of input.nameIdFormats) lines.push(`    <md:NameIDFormat>${escapeXml(format)}</md:NameIDFormat>`);
  lines.push(`    <md:AssertionConsumerService index="0" isDefault="true" Binding="${BINDING.post}" Location="${escapeXml(input.acsUrl)}"/>`);
  lines.push(`  </md:SPSSODescriptor>`);
  if (input.organization) {
    const lang = escapeXml(input.organization.lang ?? "en");
    lines.push(`  <md:Organization>`);
    lines.push(`    <md:OrganizationName xml:lang="${lang}">${escapeXml(input.organization.name)}</md:OrganizationName>`);
    lines.push(`    <md:OrganizationDisplayName xml:lang="${lang}">${escapeXml(input.organization.displayName)}</md:OrganizationDisplayName>`);
    lines.push(`    <md:OrganizationURL xml:lang="${lang}">${escapeXml(input.organization.url)}</md:OrganizationURL>`);
    lines.push(`  </md:Organization>`);
  }
  lines.push(`</md:EntityDescriptor>`);
  return `${lines.join("\n")}\n`;
}

function keyDescriptor(use: "signing" | "encryption", certificate: string, encryptionMethods: string[] = []): string[] {
  return [
    `    <md:KeyDescriptor use="${use}">`,
    `      <ds:KeyInfo>`,
    `        <ds:X509Data>`,
    `          <ds:X509Certificate>${certificateBody(certificate)}</ds:X509Certificate>`,
    `        </ds:X509Data>`,
    `      </ds:KeyInfo>`,
    ...encryptionMethods.map((algorithm) => `      <md:EncryptionMethod Algorithm="${algorithm}"/>`),
    `    </md:KeyDescriptor>`,
  ];
}
