import { X509Certificate } from "node:crypto";

export interface CertificateInfo {
  /** PEM armour around the normalised body, wrapped at 64 columns. */
  pem: string;
  /** The DER certificate as one line of base64, all whitespace removed (as in metadata and KeyInfo). */
  base64: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** "AB:CD:…", as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint: string;
  /** SHA-1 thumbprint without colons: the value the Entra portal shows as "Thumbprint". */
  sha1Thumbprint: string;
  expired(now: Date): boolean;
}

export type ReadCertificateResult = { ok: true; certificate: CertificateInfo } | { ok: false; reason: string };

/** The base64 body of a PEM certificate or of a bare base64 value, with all whitespace removed. */
export function certificateBody(value: string): string {
  return value
    .replace(/-----BEGIN [A-Z0-9 ]+-----/g, "")
    .replace(/-----END [A-Z0-9 ]+-----/g, "")
    .replace(/\s+/g, "");
}

export function toPem(base64Body: string): string {
  const lines = base64Body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Reads a certificate given as PEM (any line wrapping) or as bare base64 (with any whitespace). */
export function readCertificate(value: string): ReadCertificateResult {
  const base64 = certificateBody(value);
  if (base64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    return { ok: false, reason: "the certificate is not base64 text" };
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(Buffer.from(base64, "base64"));
  } catch (error) {
    return { ok: false, reason: `the certificate cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const notBefore = new Date(x509.validFrom);
  const notAfter = new Date(x509.validTo);
  return {
    ok: true,
    certificate: {
      pem: toPem(base64),
      base64,
      subject: oneLine(x509.subject),
      issuer: oneLine(x509.issuer),
      serialNumber: x509.serialNumber,
      notBefore,
      notAfter,
      sha256Fingerprint: x509.fingerprint256,
      sha1Thumbprint: x509.fingerprint.replace(/:/g, ""),
      expired: (now: Date) => now.getTime() > notAfter.getTime(),
    },
  };
}

/** True when both values hold the same DER certificate, whatever their PEM wrapping. */
export function sameCertificate(a: string, b: string): boolean {
  return certificateBody(a) === certificateBody(b);
}

/** A short label for messages meant for the admin: subject, validity and fingerprint. */
export function describeCertificate(value: string): string {
  const read = readCertificate(value);
  if (!read.ok) return `an unreadable certificate (${read.reason})`;
  const c = read.certificate;
  return `"${c.subject}" (valid ${day(c.notBefore)} to ${day(c.notAfter)}, SHA-256 ${c.sha256Fingerprint}, thumbprint ${c.sha1Thumbprint})`;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function oneLine(distinguishedName: string): string {
  return distinguishedName.split("\n").filter(Boolean).join(", ");
}
