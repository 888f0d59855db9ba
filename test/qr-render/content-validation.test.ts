import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateContent, type FieldError } from '../../src/qr/content/index.js';

function errorsOf(input: unknown): FieldError[] {
  const result = validateContent(input);
  assert.equal(result.ok, false, `expected ${JSON.stringify(input)} to be rejected`);
  return result.ok ? [] : result.errors;
}

describe('validateContent', () => {
  test('accepts valid content and returns it', () => {
    const input = { type: 'geo', latitude: 40.4, longitude: -3.7 };
    assert.deepEqual(validateContent(input), { ok: true, content: input });
  });

  test('non-objects and unknown types', () => {
    assert.deepEqual(errorsOf('https://example.com'), [{ path: '', message: 'Content must be an object with a "type" field.' }]);
    assert.deepEqual(errorsOf({ type: 'fax' }), [{ path: 'type', message: 'Type must be one of: url, text, vcard, wifi, email, sms, phone, geo, event.' }]);
  });

  test('missing, unknown and mistyped fields name the field', () => {
    assert.deepEqual(errorsOf({ type: 'url' }), [{ path: 'url', message: 'Web address is required.' }]);
    assert.deepEqual(errorsOf({ type: 'text', text: 'hola', colour: 'red' }), [{ path: 'colour', message: '"colour" is not a field of this form.' }]);
    assert.deepEqual(errorsOf({ type: 'wifi', ssid: 'x', encryption: 'WPA2', password: '12345678' }), [
      { path: 'encryption', message: 'Security must be one of: WPA, WEP, nopass.' },
    ]);
    assert.deepEqual(errorsOf({ type: 'text', text: '' }), [{ path: 'text', message: 'Text must not be empty.' }]);
    assert.deepEqual(errorsOf({ type: 'sms', phone: '+34 600', message: 'x'.repeat(501) }), [
      { path: 'message', message: 'Message must be at most 500 characters.' },
    ]);
  });

  test('nested paths for list items', () => {
    assert.deepEqual(errorsOf({ type: 'vcard', firstName: 'Ana', phones: [{ kind: 'cell', number: '+34 600 123 456' }, { kind: 'cell', number: 'call me' }] }), [
      { path: 'phones[1].number', message: 'Use digits with an optional leading +, such as +34 600 123 456.' },
    ]);
  });

  test('geo ranges', () => {
    assert.deepEqual(errorsOf({ type: 'geo', latitude: 90.5, longitude: -181 }), [
      { path: 'latitude', message: 'Latitude must be between -90 and 90.' },
      { path: 'longitude', message: 'Longitude must be between -180 and 180.' },
    ]);
    assert.deepEqual(errorsOf({ type: 'geo', latitude: '40', longitude: 3 }), [{ path: 'latitude', message: 'Latitude must be a number.' }]);
  });

  test('formats: email and date-time with offset', () => {
    assert.deepEqual(errorsOf({ type: 'email', to: 'not an address' }), [
      { path: 'to', message: 'Email address is not an email address; use the form name@example.com.' },
    ]);
    assert.deepEqual(errorsOf({ type: 'event', summary: 'x', start: '2025-05-01T18:00', end: '2025-05-01T19:00:00Z' }), [
      { path: 'start', message: 'Start must be a date and time with its UTC offset, such as 2025-05-01T18:00:00+02:00.' },
    ]);
  });

  test('event must end after it starts', () => {
    assert.deepEqual(errorsOf({ type: 'event', summary: 'x', start: '2025-05-01T18:00:00+02:00', end: '2025-05-01T16:00:00Z' }), [
      { path: 'end', message: 'End must be after the start.' },
    ]);
  });

  test('web addresses: only http(s), real hosts, no credentials', () => {
    assert.deepEqual(errorsOf({ type: 'url', url: 'javascript:alert(1)' }), [{ path: 'url', message: 'Only http:// and https:// addresses can be used.' }]);
    assert.deepEqual(errorsOf({ type: 'url', url: 'ftp://example.com/file' }), [{ path: 'url', message: 'Only http:// and https:// addresses can be used.' }]);
    assert.deepEqual(errorsOf({ type: 'url', url: 'https://intranet/page' }), [{ path: 'url', message: 'The address needs a full domain name, e.g. example.com.' }]);
    assert.deepEqual(errorsOf({ type: 'url', url: 'https://user:pw@example.com/' }), [
      { path: 'url', message: 'The address must not contain a user name or password.' },
    ]);
    assert.deepEqual(errorsOf({ type: 'vcard', firstName: 'Ana', url: 'mailto:ana@example.com' }), [
      { path: 'url', message: 'Only http:// and https:// addresses can be used.' },
    ]);
  });

  test('WiFi passwords per security type, SSID in bytes', () => {
    assert.equal(errorsOf({ type: 'wifi', ssid: 'x', encryption: 'WPA', password: 'short' })[0]?.path, 'password');
    assert.equal(errorsOf({ type: 'wifi', ssid: 'x', encryption: 'WPA' })[0]?.path, 'password');
    assert.equal(errorsOf({ type: 'wifi', ssid: 'x', encryption: 'WEP', password: '123456' })[0]?.path, 'password');
    assert.equal(validateContent({ type: 'wifi', ssid: 'x', encryption: 'WEP', password: '0123456789' }).ok, true);
    assert.deepEqual(errorsOf({ type: 'wifi', ssid: 'x', encryption: 'nopass', password: 'secret123' }), [
      { path: 'password', message: 'An open network has no password; choose WPA or WEP to use one.' },
    ]);
    assert.deepEqual(errorsOf({ type: 'wifi', ssid: 'ñ'.repeat(20), encryption: 'nopass' }), [
      { path: 'ssid', message: 'Network name must be at most 32 bytes; accented letters count as two.' },
    ]);
  });

  test('a vCard needs a name or an organisation', () => {
    assert.deepEqual(errorsOf({ type: 'vcard', email: 'a@example.com' }), [{ path: 'firstName', message: 'Give a first name, last name or organisation.' }]);
  });

  test('payloads larger than any QR code are refused with their size', () => {
    assert.deepEqual(errorsOf({ type: 'text', text: 'ñ'.repeat(1500) }), [
      { path: '', message: 'This is too much for one QR code: 3000 bytes once encoded, at most 2953. Shorten the text.' },
    ]);
  });
});
