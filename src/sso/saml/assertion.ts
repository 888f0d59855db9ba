import { NS, attr, child, children, text } from "./xml.js";

const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

export interface BearerConfirmation {
  hasData: boolean;
  notBefore: string | null;
  notOnOrAfter: string | null;
  recipient: string | null;
  inResponseTo: string | null;
}

/** The fields of a <saml:Assertion> that sign-in needs, read by namespace URI + local name. */
export interface AssertionFields {
  id: string | null;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  /** As the IdP wrote them; a LogoutRequest must repeat them exactly. */
  nameQualifier: string | null;
  spNameQualifier: string | null;
  bearerConfirmations: BearerConfirmation[];
  conditionsCount: number;
  notBefore: string | null;
  notOnOrAfter: string | null;
  /** One list per AudienceRestriction; each restriction must name Blanca. */
  audienceRestrictions: string[][];
  sessionIndex: string | null;
  /** AuthnStatement SessionNotOnOrAfter: when the IdP wants the SP session to end. */
  sessionNotOnOrAfter: string | null;
  attributes: Record<string, string[]>;
}

export function readAssertion(assertion: Element): AssertionFields {
  const subject = child(assertion, NS.saml, "Subject");
  const nameIdElement = subject ? child(subject, NS.saml, "NameID") : undefined;
  const bearerConfirmations = (subject ? children(subject, NS.saml, "SubjectConfirmation") : [])
    .filter((confirmation) => attr(confirmation, "Method") === BEARER)
    .map((confirmation) => {
      const data = child(confirmation, NS.saml, "SubjectConfirmationData");
      return {
        hasData: data !== undefined,
        notBefore: attr(data, "NotBefore"),
        notOnOrAfter: attr(data, "NotOnOrAfter"),
        recipient: attr(data, "Recipient"),
        inResponseTo: attr(data, "InResponseTo"),
      };
    });
  const conditionsList = children(assertion, NS.saml, "Conditions");
  const conditions = conditionsList[0];
  const audienceRestrictions = conditions
    ? children(conditions, NS.saml, "AudienceRestriction").map((restriction) =>
        children(restriction, NS.saml, "Audience").map((audience) => text(audience)),
      )
    : [];
  const authnStatement = child(assertion, NS.saml, "AuthnStatement");

  // Keycloak repeats <Attribute Name="Role"> once per value, Entra lists many AttributeValues in one:
  // both end up as one list per name.
  // A Map, not an object literal: an attribute named "__proto__" must not reach the prototype.
  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, NS.saml, "AttributeStatement")) {
    for (const attribute of children(statement, NS.saml, "Attribute")) {
      const name = attr(attribute, "Name");
      if (!name) continue;
      const values = children(attribute, NS.saml, "AttributeValue").map((value) => text(value));
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }

  return {
    id: attr(assertion, "ID"),
    issuer: text(child(assertion, NS.saml, "Issuer")),
    nameId: text(nameIdElement),
    nameIdFormat: attr(nameIdElement, "Format"),
    nameQualifier: attr(nameIdElement, "NameQualifier"),
    spNameQualifier: attr(nameIdElement, "SPNameQualifier"),
    bearerConfirmations,
    conditionsCount: conditionsList.length,
    notBefore: attr(conditions, "NotBefore"),
    notOnOrAfter: attr(conditions, "NotOnOrAfter"),
    audienceRestrictions,
    sessionIndex: attr(authnStatement, "SessionIndex"),
    sessionNotOnOrAfter: attr(authnStatement, "SessionNotOnOrAfter"),
    attributes: Object.fromEntries(attributes),
  };
}
