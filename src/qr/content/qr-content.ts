import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { EmailFields, encodeEmail } from './email.js';
import { encodeEvent, EventFields } from './event.js';
import { encodeGeo, GeoFields } from './geo.js';
import { encodePhone, PhoneFields } from './phone.js';
import { encodeSms, SmsFields } from './sms.js';
import { encodeText, TextFields } from './text.js';
import { encodeUrl, UrlFields } from './url.js';
import { encodeVcard, VcardFields } from './vcard.js';
import { encodeWifi, WifiFields } from './wifi.js';

function tagged<K extends string, P extends TProperties>(type: K, title: string, fields: TObject<P>) {
  return Type.Object(
    { type: Type.Literal(type, { description: 'Kind of content, which decides the other fields.' }), ...fields.properties },
    { title, additionalProperties: false },
  );
}

export const UrlContent = tagged('url', 'Web address', UrlFields);
export const TextContent = tagged('text', 'Text', TextFields);
export const VcardContent = tagged('vcard', 'Contact card (vCard)', VcardFields);
export const WifiContent = tagged('wifi', 'WiFi network', WifiFields);
export const EmailContent = tagged('email', 'Email', EmailFields);
export const SmsContent = tagged('sms', 'Text message (SMS)', SmsFields);
export const PhoneContent = tagged('phone', 'Phone call', PhoneFields);
export const GeoContent = tagged('geo', 'Map location', GeoFields);
export const EventContent = tagged('event', 'Calendar event', EventFields);

export const CONTENT_SCHEMAS = {
  url: UrlContent,
  text: TextContent,
  vcard: VcardContent,
  wifi: WifiContent,
  email: EmailContent,
  sms: SmsContent,
  phone: PhoneContent,
  geo: GeoContent,
  event: EventContent,
} as const;

export type ContentType = keyof typeof CONTENT_SCHEMAS;
export const CONTENT_TYPES = Object.keys(CONTENT_SCHEMAS) as ContentType[];

export const QrContent = Type.Union(Object.values(CONTENT_SCHEMAS), {
  title: 'QR content',
  description: 'What the code holds; "type" selects the form.',
});
export type QrContent = Static<typeof QrContent>;

/**
 * The payload string a scanner reads. Expects content that passed validateContent;
 * anything else is a caller bug and may throw.
 */
export function encodeContent(content: QrContent): string {
  switch (content.type) {
    case 'url':
      return encodeUrl(content);
    case 'text':
      return encodeText(content);
    case 'vcard':
      return encodeVcard(content);
    case 'wifi':
      return encodeWifi(content);
    case 'email':
      return encodeEmail(content);
    case 'sms':
      return encodeSms(content);
    case 'phone':
      return encodePhone(content);
    case 'geo':
      return encodeGeo(content);
    case 'event':
      return encodeEvent(content);
    default: {
      const unknown: never = content;
      throw new Error(`Unknown content type: ${JSON.stringify(unknown)}`);
    }
  }
}
