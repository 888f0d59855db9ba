import { describeCertificate, sameCertificate } from "./certificates.js";
import { failure, type SamlFailure } from "./failures.js";
import { NS, attr, descendants } from "./xml.js";

/**
 * Policy checks on a <ds:Signature> before the library verifies it. They never decide that a
 * signature is valid (xml-crypto does the cryptography); they only refuse what the library would
 * accept but Blanca does not: SHA-1 unless allowed, and a KeyInfo certificate that is not configured.
 */
export function checkSignaturePolicy(
  signature: Element,
  where: string,
  configuredCertificates: string[],
  allowSha1: boolean,
  xml?: string,
): SamlFailure | null {
  const signatureMethod = descendants(signature, NS.ds, "SignatureMethod")[0];
  const algorithms = [
    attr(signatureMethod, "Algorithm") ?? "",
    ...descendants(signature, NS.ds, "DigestMethod").map((method) => attr(method, "Algorithm") ?? ""),
  ];
  const weak = algorithms.filter((algorithm) => /sha1$/i.test(algorithm) || /md5$/i.test(algorithm));
  if (weak.length > 0 && !(allowSha1 && weak.every((algorithm) => /sha1$/i.test(algorithm)))) {
    return failure("weak_signature_algorithm", `The ${where} signature uses ${weak.join(" and ")}; the SP accepts SHA-256 or stronger${allowSha1 ? "" : " (SHA-1 is not allowed for this account)"}.`, withXml(xml));
  }
  for (const embedded of descendants(signature, NS.ds, "X509Certificate")) {
    const value = embedded.textContent ?? "";
    if (!configuredCertificates.some((configured) => sameCertificate(configured, value))) {
      return failure(
        "certificate_not_configured",
        `The ${where} signature carries the certificate ${describeCertificate(value)}, which is not one of the ${configuredCertificates.length} certificate(s) configured for this IdP: ${configuredCertificates.map(describeCertificate).join("; ")}.`,
        withXml(xml),
      );
    }
  }
  return null;
}

function withXml(xml: string | undefined): { xml?: string } {
  return xml === undefined ? {} : { xml };
}
