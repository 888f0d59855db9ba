import { SamlStatusError } from "@node-saml/node-saml";
import { failure, type SamlFailure } from "./failures.js";

/**
 * node-saml reports every refusal as a thrown Error whose message is its only contract; each
 * message met in the tests is mapped to a catalogued code here. Anything unknown becomes
 * malformed_message with node-saml's words, so nothing is lost for the SSO log.
 */
export function fromNodeSamlError(error: unknown, xml: string, certificateCount: number): SamlFailure {
  const message = error instanceof Error ? error.message : String(error);
  const said = `node-saml: ${message}`;
  if (error instanceof SamlStatusError) return failure("idp_error_status", said, { xml });
  if (/multiple assertions/i.test(message)) return failure("multiple_assertions", `${said}.`, { xml });
  if (/decrypt|EncryptedAssertion/i.test(message)) return failure("decryption_failed", `${said}.`, { xml });
  if (/Unknown SAML issuer|Missing SAML issuer/i.test(message)) return failure("issuer_mismatch", `${said}.`, { xml });
  if (/Bad status code/i.test(message)) return failure("logout_status_not_success", `${said}.`, { xml });
  if (/Missing SAML NameID/i.test(message)) return failure("name_id_missing", `${said}.`, { xml });
  if (/is not supported/i.test(message)) return failure("weak_signature_algorithm", `The signature algorithm is not supported (${said}).`, { xml });
  if (/signature|signed references|ID cannot refer|Referenced node|ref URI|transforms/i.test(message)) {
    return failure(
      "signature_invalid",
      `The signature does not verify with any of the ${certificateCount} configured IdP certificate(s) (${said}). Either the message was altered after signing, or it was signed with a key the SP does not know.`,
      { xml },
    );
  }
  if (/Missing SAML assertion/i.test(message)) return failure("assertion_missing", `${said}.`, { xml });
  return failure("malformed_message", `The SAML library refused the message (${said}).`, { xml });
}
