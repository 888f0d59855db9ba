import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../platform/schema.js';

const Url = Type.String({ maxLength: 2048, pattern: '^https?://\\S+$', errorMessage: 'Enter an address starting with https:// (or http://).' });
const AttributeName = Type.String({ minLength: 1, maxLength: 300, pattern: '\\S', errorMessage: 'Enter the attribute (claim) name.' });

export const AttributeNamesSchema = Type.Object(
  {
    firstName: AttributeName,
    lastName: AttributeName,
    email: AttributeName,
    displayName: AttributeName,
    role: AttributeName,
  },
  { additionalProperties: false, description: 'SAML attribute names of the input mapper' },
);

/** Everything on the SSO tab; Connect saves it and activates the connection. */
export const ConnectBody = Type.Object(
  {
    ssoType: Type.Union([Type.Literal('user'), Type.Literal('subaccount')], { description: 'user: 1 IdP user = 1 white-label user; subaccount: 1 IdP user → n white-label users by role' }),
    idpMetadataUrl: Type.Optional(Nullable(Url)),
    idpMetadataXml: Type.Optional(Type.String({ maxLength: 1024 * 1024, description: 'Pasted or uploaded IdP metadata, instead of the URL' })),
    idpEntityId: Type.Optional(Nullable(Type.String({ maxLength: 1024, errorMessage: 'Enter the IdP entity ID (Entra: Microsoft Entra Identifier).' }))),
    idpSsoUrl: Type.Optional(Nullable(Url)),
    idpSloUrl: Type.Optional(Nullable(Url)),
    idpCertificates: Type.Optional(Type.Array(Type.String({ maxLength: 16384 }), { maxItems: 10, description: 'PEM or base64 signing certificates; all are trusted (rollover)' })),
    attributes: Type.Optional(AttributeNamesSchema),
    allowIdpInitiated: Type.Optional(Type.Boolean({ description: 'Accept sign-ins started at the IdP (Entra My Apps)' })),
    allowSha1: Type.Optional(Type.Boolean({ description: 'Accept SHA-1 signatures (legacy IdPs only)' })),
    signAuthnRequests: Type.Optional(Type.Boolean({ description: 'Sign AuthnRequests with the current SP key (AuthnRequestsSigned="true" in the SP metadata)' })),
    enforceSso: Type.Optional(Type.Boolean({ description: 'Enforce SSO: password sign-in off for everyone but the account owner (break-glass); audited on change' })),
    sessionLifetimeHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 336, description: 'SSO session lifetime when the assertion has no SessionNotOnOrAfter; default 12', errorMessage: 'Use 1 to 336 hours.' })),
    requireSignedAssertions: Type.Optional(Type.Boolean({ description: 'Require the assertion itself to be signed (WantAssertionsSigned="true"); off by default: a Response signature that covers the assertion suffices (Entra "Sign SAML response")' })),
    clockSkewSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, errorMessage: 'Use 0 to 600 seconds.' })),
    logRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Days the SSO log (with the SAML XML) is kept; default 14', errorMessage: 'Use 1 to 365 days.' })),
    emailDomains: Type.Optional(Type.Array(Type.String({ pattern: '^([A-Za-z0-9-]+\\.)+[A-Za-z]{2,}$', maxLength: 253, errorMessage: 'Use a domain such as example.com.' }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type ConnectInput = Static<typeof ConnectBody>;

export const ImportMetadataBody = Type.Object(
  {
    url: Type.Optional(Url),
    xml: Type.Optional(Type.String({ maxLength: 1024 * 1024 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ImportMetadataInput = Static<typeof ImportMetadataBody>;

export const CertificateView = Type.Object({ subject: Type.String(), notBefore: Type.String(), notAfter: Type.String(), sha1Thumbprint: Type.String(), expired: Type.Boolean() });

const SpKeyView = Type.Object({ subject: Type.String(), notBefore: Type.String(), notAfter: Type.String(), sha1Thumbprint: Type.String() });

export const ConnectionView = Type.Object({
  status: Type.Union([Type.Literal('not_configured'), Type.Literal('draft'), Type.Literal('connected')]),
  ssoType: Type.Union([Type.Literal('user'), Type.Literal('subaccount')]),
  idpMetadataUrl: Nullable(Type.String()),
  idpEntityId: Nullable(Type.String()),
  idpSsoUrl: Nullable(Type.String()),
  idpSloUrl: Nullable(Type.String()),
  idpCertificates: Type.Array(CertificateView),
  attributes: AttributeNamesSchema,
  allowIdpInitiated: Type.Boolean(),
  allowSha1: Type.Boolean(),
  clockSkewSeconds: Type.Integer(),
  logRetentionDays: Type.Integer(),
  emailDomains: Type.Array(Type.String()),
  signAuthnRequests: Type.Boolean(),
  requireSignedAssertions: Type.Boolean(),
  sessionLifetimeHours: Type.Integer(),
  enforceSso: Type.Boolean(),
  spKeys: Type.Object({
    current: Nullable(SpKeyView),
    next: Nullable(SpKeyView),
    rotationStartedAt: Nullable(Type.String({ format: 'date-time' })),
  }),
  notices: Type.Optional(Type.Array(Type.Union([Type.Literal('signed_requests_required'), Type.Literal('metadata_reread_failed')]), { description: 'What Connect did on its own: signed AuthnRequests switched on because the IdP metadata asks for them; the metadata URL could not be re-read (saved values kept)' })),
  warnings: Type.Array(Type.String(), { description: 'E.g. an IdP signing certificate in use that expires within 60 days' }),
  sp: Type.Object({ entityId: Type.String(), descriptorUrl: Type.String({ description: 'SP descriptor URL: give it to the IdP' }), acsUrl: Type.String(), sloUrl: Type.String(), signInUrl: Type.String() }),
});
export type ConnectionView = Static<typeof ConnectionView>;

// SSO set-up links (an administrator lets the customer's IT contact open only the SSO tab).
export const SETUP_LINK_HOURS = { min: 1, max: 168, default: 72 } as const;
export const CreateSetupLinkBody = Type.Object({
  label: Type.String({ minLength: 1, maxLength: 80, description: 'Who the link is for, e.g. "Contoso IT"; shown in the list and the audit log' }),
  expiresInHours: Type.Optional(Type.Integer({ minimum: SETUP_LINK_HOURS.min, maximum: SETUP_LINK_HOURS.max, default: SETUP_LINK_HOURS.default })),
});
export type CreateSetupLinkInput = Static<typeof CreateSetupLinkBody>;
export const SetupLinkView = Type.Object({
  id: Type.String(),
  label: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});
export type SetupLinkView = Static<typeof SetupLinkView>;
