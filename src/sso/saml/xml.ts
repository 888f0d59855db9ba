import { DOMParser } from "@xmldom/xmldom";
import { forbiddenCharacter } from "../../platform/input-limits.js";

/** Namespace URIs. Elements are always matched by namespace URI + local name, never by prefix. */
export const NS = {
  md: "urn:oasis:names:tc:SAML:2.0:metadata",
  saml: "urn:oasis:names:tc:SAML:2.0:assertion",
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  xenc: "http://www.w3.org/2001/04/xmlenc#",
} as const;

export type XmlProblem = "too_large" | "doctype" | "malformed";

export type ParsedXml =
  | { ok: true; document: Document; root: Element; text: string }
  | { ok: false; problem: XmlProblem; detail: string };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Bytes or text to a string without a leading byte-order mark (Entra metadata always has one). */
export function decodeXmlText(input: string | Buffer): string {
  if (typeof input === "string") return input.replace(/^\uFEFF/, "");
  if (input.subarray(0, 3).equals(UTF8_BOM)) return input.subarray(3).toString("utf8");
  if (input[0] === 0xff && input[1] === 0xfe) return input.subarray(2).toString("utf16le");
  return input.toString("utf8");
}

export function byteLength(input: string | Buffer): number {
  return typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.length;
}

/**
 * Parse untrusted XML. The size is bounded before anything is parsed, and any DOCTYPE is refused:
 * SAML never needs one, and refusing it removes XXE and entity expansion ("billion laughs") at once.
 */
export function parseUntrustedXml(input: string | Buffer, maxBytes: number): ParsedXml {
  const size = byteLength(input);
  if (size > maxBytes) {
    return { ok: false, problem: "too_large", detail: `${size} bytes, limit ${maxBytes}` };
  }
  const text = decodeXmlText(input);
  // XML has no NUL and no U+FFFE/U+FFFF; PostgreSQL cannot store NUL in the SSO log: refused like bad syntax.
  const bad = forbiddenCharacter(text);
  if (bad) return { ok: false, problem: "malformed", detail: `the document contains a character that is not allowed (${bad})` };
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    return { ok: false, problem: "doctype", detail: "the document contains a DOCTYPE or ENTITY declaration" };
  }
  const errors: string[] = [];
  let document: Document;
  try {
    document = new DOMParser({
      locator: {},
      errorHandler: {
        warning: () => undefined,
        error: (message: string) => void errors.push(message),
        fatalError: (message: string) => void errors.push(message),
      },
    }).parseFromString(text, "text/xml");
  } catch (error) {
    return { ok: false, problem: "malformed", detail: error instanceof Error ? error.message : String(error) };
  }
  const root = document?.documentElement;
  if (errors.length > 0 || !root) {
    return { ok: false, problem: "malformed", detail: firstLine(errors[0] ?? "no root element") };
  }
  return { ok: true, document, root, text };
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? message;
}

export function isElement(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return !!node && node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === localName;
}

/** Direct child elements with this namespace URI and local name. */
export function children(parent: Element | Document, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  const nodes = parent.childNodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes.item(i);
    if (isElement(node, ns, localName)) found.push(node);
  }
  return found;
}

export function child(parent: Element | Document, ns: string, localName: string): Element | undefined {
  return children(parent, ns, localName)[0];
}

/** All descendants with this namespace URI and local name, in document order. */
export function descendants(parent: Element | Document, ns: string, localName: string): Element[] {
  const list = parent.getElementsByTagNameNS(ns, localName);
  const found: Element[] = [];
  for (let i = 0; i < list.length; i++) {
    const element = list.item(i);
    if (element) found.push(element);
  }
  return found;
}

/**
 * Text content with surrounding whitespace removed (pretty-printed IdPs add "\n\t"). Only text and
 * CDATA nodes count, joined whole: a comment or processing instruction inside a NameID neither cuts
 * the value short (CVE-2017-11427) nor adds to it (xmldom's textContent would append a PI's data).
 */
export function text(element: Element | undefined): string {
  return element ? textNodes(element).trim() : "";
}

function textNodes(node: Node): string {
  let out = "";
  const nodes = node.childNodes;
  for (let i = 0; i < nodes.length; i++) {
    const item = nodes.item(i);
    if (!item) continue;
    if (item.nodeType === 3 || item.nodeType === 4) out += item.nodeValue ?? "";
    else if (item.nodeType === 1) out += textNodes(item);
  }
  return out;
}

/** Attribute value or null when absent. */
export function attr(element: Element | undefined, name: string): string | null {
  if (!element || !element.hasAttribute(name)) return null;
  return element.getAttribute(name);
}

export function qualifiedName(element: Element): string {
  return element.namespaceURI ? `{${element.namespaceURI}}${element.localName}` : element.localName;
}

/** Escape text for use in XML element content and attribute values. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
