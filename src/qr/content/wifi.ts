import { Type, type Static } from '@sinclair/typebox';
import type { FieldError } from './field-errors.js';

export const WifiFields = Type.Object(
  {
    ssid: Type.String({ title: 'Network name', description: 'The SSID exactly as the router broadcasts it (at most 32 bytes).', minLength: 1, maxLength: 32 }),
    encryption: Type.Union([Type.Literal('WPA'), Type.Literal('WEP'), Type.Literal('nopass')], {
      title: 'Security',
      description: 'WPA covers WPA, WPA2 and WPA3 personal; nopass is an open network.',
    }),
    password: Type.Optional(Type.String({ title: 'Password', description: 'Network key; required unless the network is open.', maxLength: 63 })),
    hidden: Type.Optional(Type.Boolean({ title: 'Hidden network', description: 'True when the network does not broadcast its name.', default: false })),
  },
  { additionalProperties: false },
);
export type WifiFields = Static<typeof WifiFields>;

const WEP_KEY = /^(?:[\x20-\x7e]{5}|[\x20-\x7e]{13}|[0-9a-fA-F]{10}|[0-9a-fA-F]{26})$/;
const WPA_PASSPHRASE = /^[\x20-\x7e]{8,63}$/;

export function checkWifi(fields: WifiFields): FieldError[] {
  const errors: FieldError[] = [];
  if (Buffer.byteLength(fields.ssid, 'utf8') > 32) {
    errors.push({ path: 'ssid', message: 'Network name must be at most 32 bytes; accented letters count as two.' });
  }
  const password = fields.password ?? '';
  if (fields.encryption === 'WPA' && !WPA_PASSPHRASE.test(password)) {
    errors.push({ path: 'password', message: 'A WPA password has 8 to 63 characters (letters, digits, punctuation, no accents).' });
  } else if (fields.encryption === 'WEP' && !WEP_KEY.test(password)) {
    errors.push({ path: 'password', message: 'A WEP key has 5 or 13 characters, or 10 or 26 hexadecimal digits.' });
  } else if (fields.encryption === 'nopass' && password !== '') {
    errors.push({ path: 'password', message: 'An open network has no password; choose WPA or WEP to use one.' });
  }
  return errors;
}

/** ZXing's WIFI: format: a backslash before \ ; , : and " so they are read literally. */
export function escapeWifiValue(value: string): string {
  return value.replace(/[\\;,:"]/g, (c) => `\\${c}`);
}

export function encodeWifi(fields: WifiFields): string {
  const password = fields.encryption === 'nopass' ? '' : `P:${escapeWifiValue(fields.password ?? '')};`;
  return `WIFI:T:${fields.encryption};S:${escapeWifiValue(fields.ssid)};${password}H:${fields.hidden === true};;`;
}
