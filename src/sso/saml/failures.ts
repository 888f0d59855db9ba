/**
 * Every way a SAML message can be refused, with the check it names and the default advice for the
 * account's administrator. Codes are stable: they are stored in the SSO log and documented in README.md
 * (a test keeps the two in step). The person signing in never sees these texts.
 */
export const SAML_FAILURES = {
  message_too_large: { check: "size of the SAML message, before decoding", fix: "Remove unneeded claims (for example group claims) in Entra > Attributes & Claims, or ask the platform operator to raise the limit." },
  malformed_message: { check: "base64 and XML syntax", fix: "Make sure the IdP posts to the ACS URL with the HTTP-POST binding; another system may be posting here." },
  doctype_forbidden: { check: "no DOCTYPE (XXE / entity expansion)", fix: "No real IdP sends a DOCTYPE: treat this as an attack." },
  wrong_message_type: { check: "root element is the expected SAML message (samlp:Response at the ACS)", fix: "Configure the IdP to send a SAML 2.0 Response (not a WS-Federation token) to the ACS URL, and logout messages to the logout URL." },
  idp_error_status: { check: "top-level StatusCode is Success", fix: "The IdP refused the sign-in; its own sign-in log (Entra > Sign-in logs) gives the cause." },
  assertion_missing: { check: "exactly one Assertion", fix: "Configure the IdP to include an assertion in its response." },
  multiple_assertions: { check: "exactly one Assertion", fix: "Real IdPs send one assertion: treat this as an attack (signature wrapping)." },
  encrypted_assertion_without_key: { check: "EncryptedAssertion can be decrypted", fix: "Turn off token encryption in Entra, or upload the SP's encryption certificate from the SP metadata." },
  decryption_failed: { check: "EncryptedAssertion can be decrypted", fix: "Upload the current SP metadata (its encryption certificate) to the IdP again." },
  signature_missing: { check: "the assertion, or the Response that contains it, is signed", fix: "In Entra > Single sign-on > SAML Certificates > Signing Option, choose \"Sign SAML assertion\", \"Sign SAML response\" or \"Sign SAML response and assertion\"." },
  signature_invalid: { check: "XML signature verifies with a configured IdP certificate", fix: "Re-import the IdP metadata: the signing certificate may have been rolled over. If it persists, the message was altered on the way." },
  signature_wrapping: { check: "the signature covers the very Response or assertion the SP reads (no wrapping)", fix: "Real IdPs never send this shape: treat it as an attack (XML signature wrapping)." },
  certificate_not_configured: { check: "the certificate in the signature's KeyInfo is a configured IdP certificate", fix: "Re-import the IdP metadata (Entra may have activated a new signing certificate), or add the certificate by hand." },
  weak_signature_algorithm: { check: "signature and digest use SHA-256 or stronger", fix: "In Entra > SAML Certificates set Signing Algorithm to SHA-256, or (not recommended) allow SHA-1 for this account." },
  destination_mismatch: { check: "Response Destination equals the ACS URL", fix: "Set the Reply URL (Assertion Consumer Service URL) in Entra to the ACS URL." },
  issuer_mismatch: { check: "Issuer equals the configured IdP entity ID", fix: "Re-import the IdP metadata, or set the IdP entity ID to the Microsoft Entra Identifier shown in Entra (https://sts.windows.net/<tenant-id>/)." },
  in_response_to_mismatch: { check: "Response InResponseTo equals the assertion's InResponseTo", fix: "The response was altered on the way: treat this as an attack." },
  unsolicited_response: { check: "InResponseTo is present (IdP-initiated sign-in is off)", fix: "Start the sign-in from the sign-in page, or allow IdP-initiated sign-in (Entra My Apps) for this account." },
  in_response_to_unknown: { check: "InResponseTo names a request the SP sent and has not used yet", fix: "Start the sign-in again from the sign-in page; the request may have expired or been used already." },
  subject_confirmation_missing: { check: "a bearer SubjectConfirmation with NotOnOrAfter", fix: "The IdP's response does not follow the SAML Web Browser SSO profile; check its SAML settings." },
  recipient_mismatch: { check: "SubjectConfirmationData Recipient equals the ACS URL", fix: "Set the Reply URL (Assertion Consumer Service URL) in Entra to the ACS URL." },
  not_yet_valid: { check: "NotBefore ≤ now + clock skew", fix: "The IdP's clock or this server's is wrong; check NTP on the server." },
  expired: { check: "now − clock skew < NotOnOrAfter", fix: "Sign in again; if it keeps failing, check the server clocks (NTP)." },
  audience_mismatch: { check: "Audience equals the SP entity ID", fix: "Set the Identifier (Entity ID) in Entra > Basic SAML Configuration to the SP entity ID." },
  name_id_missing: { check: "Subject has a NameID", fix: "In Entra > Attributes & Claims, set the Unique User Identifier (Name ID) claim." },
  replayed_assertion: { check: "the assertion ID has not been used before", fix: "Sign in again; a used response cannot be posted twice (browser back button or an attack)." },
  logout_status_not_success: { check: "LogoutResponse StatusCode is Success", fix: "The IdP could not end the session; the person may still be signed in at the IdP." },
} as const satisfies Record<string, { check: string; fix: string }>;

export type SamlFailureCode = keyof typeof SAML_FAILURES;

export interface SamlFailure {
  ok: false;
  code: SamlFailureCode;
  /** For the administrator: which check, what arrived, what was expected. */
  reason: string;
  /** For the administrator: what to try. */
  fix: string;
  /** The decoded XML, when it could be decoded, for the SSO log. */
  responseXml?: string;
}

export function failure(code: SamlFailureCode, reason: string, options: { fix?: string; xml?: string } = {}): SamlFailure {
  const result: SamlFailure = { ok: false, code, reason, fix: options.fix ?? SAML_FAILURES[code].fix };
  if (options.xml !== undefined) result.responseXml = options.xml;
  return result;
}
