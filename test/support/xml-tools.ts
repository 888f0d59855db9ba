// Test-only wrappers around Debian's xmllint and xmlsec1, used as independent referees.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SCHEMA_DIR = "/usr/share/simplesamlphp/schemas";

export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** For node:test's `skip`: false when the tool (and schemas) exist. */
export function toolSkip(name: "xmllint" | "xmlsec1"): false | string {
  if (!hasTool(name)) return `${name} is not installed (Debian: ${name === "xmllint" ? "libxml2-utils" : "xmlsec1"})`;
  return false;
}

function withTempFiles<T>(files: Record<string, string>, run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "blanca-saml-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Validates offline (--nonet) against an official SAML 2.0 schema; returns xmllint's complaints or "". */
export function schemaErrors(xml: string, schema: "saml-schema-metadata-2.0.xsd" | "saml-schema-protocol-2.0.xsd"): string {
  return withTempFiles({ "doc.xml": xml }, (dir) => {
    const result = spawnSync("xmllint", ["--nonet", "--noout", "--schema", join(SCHEMA_DIR, schema), join(dir, "doc.xml")], { encoding: "utf8" });
    return result.status === 0 ? "" : `${result.stderr}${result.stdout}`;
  });
}

/** xmlsec1 verification of the enveloped signature on the element with this ID attribute node. */
export function xmlsecVerifies(xml: string, certificatePem: string, idAttribute: string): boolean {
  return withTempFiles({ "doc.xml": xml, "cert.pem": certificatePem }, (dir) => {
    try {
      execFileSync("xmlsec1", ["--verify", "--pubkey-cert-pem", join(dir, "cert.pem"), "--id-attr:ID", idAttribute, join(dir, "doc.xml")], { stdio: "pipe" });
      return true;
    } catch {
      return false;
    }
  });
}
