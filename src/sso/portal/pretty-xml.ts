import { DOMParser } from '@xmldom/xmldom';
import { byteLength } from '../saml/xml.js';

// Display only: the SSO log keeps the message exactly as received (its signed bytes); this indents a
// copy for reading. Nothing is dropped but whitespace-only text between elements; text, attribute
// values, comments and processing instructions are written as parsed, re-escaped.
const MAX_DISPLAY_BYTES = 1024 * 1024;
const INDENT = '  ';

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (s: string) => escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

const ELEMENT = 1, TEXT = 3, CDATA = 4, PI = 7, COMMENT = 8;

function write(node: Node, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  switch (node.nodeType) {
    case ELEMENT: {
      const element = node as Element;
      const attributes = Array.from({ length: element.attributes.length }, (_, i) => element.attributes.item(i)!)
        .map((a) => ` ${a.name}="${escapeAttribute(a.value)}"`)
        .join('');
      const children = Array.from({ length: element.childNodes.length }, (_, i) => element.childNodes.item(i)!).filter((c) => !(c.nodeType === TEXT && (c.nodeValue ?? '').trim() === ''));
      if (children.length === 0) {
        out.push(`${pad}<${element.tagName}${attributes}/>`);
      } else if (children.length === 1 && children[0]!.nodeType === TEXT) {
        out.push(`${pad}<${element.tagName}${attributes}>${escapeText(children[0]!.nodeValue ?? '')}</${element.tagName}>`);
      } else {
        out.push(`${pad}<${element.tagName}${attributes}>`);
        for (const child of children) write(child, depth + 1, out);
        out.push(`${pad}</${element.tagName}>`);
      }
      return;
    }
    case TEXT:
      out.push(`${pad}${escapeText(node.nodeValue ?? '')}`);
      return;
    case CDATA:
      out.push(`${pad}<![CDATA[${node.nodeValue ?? ''}]]>`);
      return;
    case COMMENT:
      out.push(`${pad}<!--${node.nodeValue ?? ''}-->`);
      return;
    case PI:
      out.push(`${pad}<?${(node as ProcessingInstruction).target} ${node.nodeValue ?? ''}?>`);
      return;
  }
}

/**
 * The XML indented for reading, or the text unchanged when it is not well-formed (a refused message):
 * the parser's recovery from any warning or error could move content, so nothing is recovered.
 */
export function prettyXml(xml: string): string {
  if (byteLength(xml) > MAX_DISPLAY_BYTES || /<!DOCTYPE|<!ENTITY/i.test(xml)) return xml;
  let problems = 0;
  let document: Document;
  try {
    const count = () => void problems++;
    document = new DOMParser({ locator: {}, errorHandler: { warning: count, error: count, fatalError: count } }).parseFromString(xml, 'text/xml');
  } catch {
    return xml;
  }
  if (problems > 0 || !document?.documentElement) return xml;
  const out: string[] = [];
  const nodes = document.childNodes;
  for (let i = 0; i < nodes.length; i++) write(nodes.item(i)!, 0, out);
  return out.join('\n');
}
