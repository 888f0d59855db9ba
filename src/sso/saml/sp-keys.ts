// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API
// installed before the library loads; ESM evaluates these imports in this order.
import "reflect-metadata";
import { randomBytes, webcrypto, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";

export interface SpKeyPair {
  /** PKCS#8 PEM; signs AuthnRequests and LogoutRequests and decrypts encrypted assertions. */
  privateKeyPem: string;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  sha256Fingerprint: string;
}

export interface GenerateSpKeyPairInput {
  /** Goes into the certificate's CN: the account's name (what the IdP shows), at most 64 characters (X.520). */
  commonName: string;
  now: Date;
  /** Three years by default, like Entra's own SAML signing certificates. */
  validDays?: number;
}

const RSA_2048_SHA256 = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

/**
 * A self-signed certificate and RSA-2048 key for one account's SP.
 * The key is made by node:crypto (WebCrypto) and never leaves the process; @peculiar/x509 only
 * assembles and signs the certificate. This avoids spawning `openssl` (a system binary the
 * deployment would need, with the private key written to a temp dir).
 */
export async function generateSpKeyPair(input: GenerateSpKeyPairInput): Promise<SpKeyPair> {
  const crypto = webcrypto as unknown as Crypto;
  const keys = (await crypto.subtle.generateKey(RSA_2048_SHA256, true, ["sign", "verify"])) as CryptoKeyPair;
  // Backdated a little so that an IdP whose clock runs behind does not see a future certificate.
  const notBefore = new Date(input.now.getTime() - 5 * 60_000);
  const notAfter = new Date(input.now.getTime() + (input.validDays ?? 3 * 365) * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // a positive INTEGER
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString("hex"),
      name: [{ CN: [input.commonName] }],
      notBefore,
      notAfter,
      signingAlgorithm: RSA_2048_SHA256,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const certificatePem = certificate.toString("pem").replace(/\r\n/g, "\n").trim() + "\n";
  return {
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${(pkcs8.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END PRIVATE KEY-----\n`,
    certificatePem,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    sha256Fingerprint: new X509Certificate(certificatePem).fingerprint256,
  };
}
