import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SAML_FAILURES } from "../../src/sso/saml/failures.js";

test("every failure code is documented in the README, and the README names no other", () => {
  const readme = readFileSync(new URL("../../src/sso/saml/README.md", import.meta.url), "utf8");
  const codeLine = readme.split("\n").find((line) => line.startsWith("`message_too_large`")) ?? "";
  const documented = [...codeLine.matchAll(/`([a-z0-9_]+)`/g)].map((match) => match[1]);
  assert.deepEqual(documented, Object.keys(SAML_FAILURES));
});

test("every failure names its check and a fix", () => {
  for (const [code, entry] of Object.entries(SAML_FAILURES)) {
    assert.match(code, /^[a-z0-9]+(_[a-z0-9]+)*$/);
    assert.ok(entry.check.length > 5 && entry.fix.length > 10, code);
  }
});
