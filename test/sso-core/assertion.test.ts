import assert from "node:assert/strict";
import { test } from "node:test";
import { readAssertion } from "../../src/sso/saml/assertion.js";
import { parseUntrustedXml } from "../../src/sso/saml/xml.js";
import { localText } from "../support/saml-fixtures.js";

test("Entra custom short claim names and multi-valued claims (entra-attributestatement-minisaml-aad1.xml)", () => {
  const statement = localText("entra/responses/entra-attributestatement-minisaml-aad1.xml");
  const parsed = parseUntrustedXml(`<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x">${statement}</Assertion>`, 65536);
  assert.ok(parsed.ok);
  const { attributes } = readAssertion(parsed.root);
  assert.deepEqual(Object.keys(attributes), [
    "http://schemas.microsoft.com/identity/claims/tenantid",
    "http://schemas.microsoft.com/identity/claims/objectidentifier",
    "http://schemas.microsoft.com/identity/claims/identityprovider",
    "http://schemas.microsoft.com/claims/authnmethodsreferences",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/wids",
    "emailaddress", "givenname", "surname", "uid", "occid", "upn", "groups",
  ]);
  assert.equal(attributes["groups"]?.length, 3);
  assert.equal(attributes["http://schemas.microsoft.com/claims/authnmethodsreferences"]?.length, 2);
  assert.ok(Object.values(attributes).every((values) => values.every((value) => value === value.trim())));
});

test("the same attribute repeated (Keycloak style) is merged by Name", () => {
  const parsed = parseUntrustedXml(
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x"><saml:AttributeStatement>` +
      `<saml:Attribute Name="Role"><saml:AttributeValue>Marketing</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="Role"><saml:AttributeValue>Customer Service</saml:AttributeValue></saml:Attribute>` +
      `</saml:AttributeStatement></saml:Assertion>`,
    65536,
  );
  assert.ok(parsed.ok);
  assert.deepEqual(readAssertion(parsed.root).attributes, { Role: ["Marketing", "Customer Service"] });
});
