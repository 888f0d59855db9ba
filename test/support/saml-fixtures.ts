import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Fixtures committed to this repository (licence allows it; see test/fixtures/saml/SOURCES.md). */
export const LOCAL_FIXTURES = fileURLToPath(new URL("../fixtures/saml/", import.meta.url));
/** The shared, unlicensed Entra fixtures next to the repository, when present. */
export const SHARED_FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/entra/", import.meta.url));

export function localFixture(path: string): Buffer {
  return readFileSync(LOCAL_FIXTURES + path);
}

export function localText(path: string): string {
  return localFixture(path).toString("utf8");
}

/** For node:test's `skip` option: false when the shared file exists, otherwise the reason. */
export function sharedSkip(path: string): false | string {
  return existsSync(SHARED_FIXTURES + path) ? false : `${SHARED_FIXTURES}${path} is not available (unlicensed fixture, not copied into the repository)`;
}

export function sharedFixture(path: string): Buffer {
  return readFileSync(SHARED_FIXTURES + path);
}

export const testKeys = {
  idpA: { key: localText("keys/idp-a.key.pem"), cert: localText("keys/idp-a.cert.pem") },
  idpB: { key: localText("keys/idp-b.key.pem"), cert: localText("keys/idp-b.cert.pem") },
  sp: { key: localText("keys/sp.key.pem"), cert: localText("keys/sp.cert.pem") },
};
