import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeContent, escapeIcalText, escapeVcardText, escapeWifiValue, formatIcalUtc, type QrContent } from '../../src/qr/content/index.js';

describe('escaping', () => {
  test('vCard text escapes backslash, comma, semicolon and line breaks (RFC 2426)', () => {
    assert.equal(escapeVcardText('a\\b, c; d\r\ne\nf\rg'), 'a\\\\b\\, c\\; d\\ne\\nf\\ng');
  });

  test('WiFi values escape \\ ; , : and " (ZXing WIFI: format)', () => {
    assert.equal(escapeWifiValue('a\\b;c,d:e"f'), 'a\\\\b\\;c\\,d\\:e\\"f');
  });

  test('iCalendar text escapes backslash, semicolon, comma and line breaks, not colons (RFC 5545)', () => {
    assert.equal(escapeIcalText('10:00; a, b\\c\nd'), '10:00\\; a\\, b\\\\c\\nd');
  });

  test('iCalendar times are UTC in YYYYMMDDTHHMMSSZ', () => {
    assert.equal(formatIcalUtc('2025-05-01T18:00:00+02:00'), '20250501T160000Z');
    assert.equal(formatIcalUtc('2024-12-31T23:30:15.999-01:00'), '20250101T003015Z');
  });
});

describe('encodeContent', () => {
  const cases: [string, QrContent, string][] = [
    ['url: scheme added, host lower-cased, path encoded', { type: 'url', url: ' Example.COM/a b?q=ñ ' }, 'https://example.com/a%20b?q=%C3%B1'],
    ['url: default port dropped, IDN to punycode', { type: 'url', url: 'http://Bücher.example:80/' }, 'http://xn--bcher-kva.example/'],
    ['url: host with port and no scheme', { type: 'url', url: 'example.com:8080/x' }, 'https://example.com:8080/x'],
    ['text: as is', { type: 'text', text: 'Señor Ñandú, café' }, 'Señor Ñandú, café'],
    ['phone: separators removed', { type: 'phone', phone: '+34 (91) 123-45.67' }, 'tel:+34911234567'],
    ['sms: SMSTO with message', { type: 'sms', phone: '+34 600 123 456', message: 'Hola: ¿mesa?' }, 'SMSTO:+34600123456:Hola: ¿mesa?'],
    ['sms: SMSTO without message', { type: 'sms', phone: '600123456' }, 'SMSTO:600123456:'],
    ['email: address only', { type: 'email', to: 'hola@example.es' }, 'mailto:hola@example.es'],
    [
      'email: subject and body percent-encoded, CRLF line breaks',
      { type: 'email', to: 'a+b@example.es', subject: 'Café & té', body: 'l1\nl2' },
      'mailto:a+b@example.es?subject=Caf%C3%A9%20%26%20t%C3%A9&body=l1%0D%0Al2',
    ],
    ['geo: point', { type: 'geo', latitude: 40.416775, longitude: -3.70379 }, 'geo:40.416775,-3.70379'],
    ['geo: rounding, no exponent, query', { type: 'geo', latitude: 1e-7, longitude: 180, query: 'Sol, Madrid' }, 'geo:0,180?q=Sol%2C%20Madrid'],
    ['wifi: WPA', { type: 'wifi', ssid: 'Café;1', encryption: 'WPA', password: 'p:w"d,\\x', hidden: true }, 'WIFI:T:WPA;S:Café\\;1;P:p\\:w\\"d\\,\\\\x;H:true;;'],
    ['wifi: open network has no P field', { type: 'wifi', ssid: 'Guest', encryption: 'nopass' }, 'WIFI:T:nopass;S:Guest;H:false;;'],
  ];
  for (const [name, content, expected] of cases) {
    test(name, () => assert.equal(encodeContent(content), expected));
  }

  test('vcard: vCard 3.0 with CRLF lines and escaped text', () => {
    const payload = encodeContent({
      type: 'vcard',
      firstName: 'Señor',
      lastName: 'Ñandú',
      organization: 'Cafés, Tés; y Más',
      title: 'Jefe',
      phones: [{ kind: 'cell', number: '+34 600 123 456' }],
      email: 'senor@example.es',
      url: 'example.es/a,b',
      address: { street: 'Calle Mayor 1', city: 'Madrid', country: 'España' },
      note: 'uno\ndos',
    });
    assert.equal(
      payload,
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'N:Ñandú;Señor;;;',
        'FN:Señor Ñandú',
        'ORG:Cafés\\, Tés\\; y Más',
        'TITLE:Jefe',
        'TEL;TYPE=CELL:+34600123456',
        'EMAIL;TYPE=INTERNET:senor@example.es',
        'URL:https://example.es/a,b',
        'ADR:;;Calle Mayor 1;Madrid;;;España',
        'NOTE:uno\\ndos',
        'END:VCARD',
      ].join('\r\n'),
    );
  });

  test('vcard: an organisation alone is the display name', () => {
    assert.equal(encodeContent({ type: 'vcard', organization: 'ACME' }), 'BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:ACME\r\nORG:ACME\r\nEND:VCARD');
  });

  test('event: VEVENT with UTC times and escaped text', () => {
    const payload = encodeContent({
      type: 'event',
      summary: 'Cata; edición 1, Madrid',
      start: '2025-05-01T18:00:00+02:00',
      end: '2025-05-01T20:30:00Z',
      location: 'Café Ñandú',
      description: 'Trae tu taza\nGratis',
    });
    assert.equal(
      payload,
      'BEGIN:VEVENT\r\nSUMMARY:Cata\\; edición 1\\, Madrid\r\nDTSTART:20250501T160000Z\r\nDTEND:20250501T203000Z\r\n' +
        'LOCATION:Café Ñandú\r\nDESCRIPTION:Trae tu taza\\nGratis\r\nEND:VEVENT',
    );
  });
});
