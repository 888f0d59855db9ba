import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeContent, validateContent } from '../../src/qr/content/index.js';
import { renderPdf, renderPng, renderSvg } from '../../src/qr/render/index.js';
import { createDecoder, type Decoder } from './support/decode.js';
import { DESIGNS } from './support/fixtures.js';

// One sample per content type, with the characters that need escaping and Spanish text
// that only survives when UTF-8 is carried through exactly.
const SAMPLES: Record<string, unknown> = {
  url: { type: 'url', url: 'Example.com/promo?utm_source=qr&ref=señor' },
  text: { type: 'text', text: 'Señor Ñandú, café' },
  vcard: {
    type: 'vcard',
    firstName: 'Señor',
    lastName: 'Ñandú',
    organization: 'Cafés, Tés; y Más',
    title: 'Jefe\\Barista',
    phones: [
      { kind: 'cell', number: '+34 600 123 456' },
      { kind: 'work', number: '+34 (91) 123-45-67' },
    ],
    email: 'senor@example.es',
    url: 'https://example.es/equipo',
    address: { street: 'Calle Mayor 1, 2º', city: 'Madrid', postalCode: '28013', country: 'España' },
    note: 'Primera línea\nSegunda línea',
  },
  wifi: { type: 'wifi', ssid: 'Café "Ñandú";Guest', encryption: 'WPA', password: 'p@ss:w;o,rd\\1', hidden: false },
  email: { type: 'email', to: 'hola@example.es', subject: 'Reserva en el café', body: 'Hola,\nQuiero reservar para 2 & algo más.' },
  sms: { type: 'sms', phone: '+34 600 123 456', message: 'Hola Ñandú: ¿mesa para dos?' },
  phone: { type: 'phone', phone: '+34 (91) 123 45 67' },
  geo: { type: 'geo', latitude: 40.416775, longitude: -3.70379, query: 'Puerta del Sol, Madrid' },
  event: {
    type: 'event',
    summary: 'Cata de café; edición 1, Madrid',
    start: '2025-05-01T18:00:00+02:00',
    end: '2025-05-01T20:30:00+02:00',
    location: 'Café Ñandú, Calle Mayor 1',
    description: 'Trae tu taza.\nEntrada libre',
  },
};

let decode: Decoder;
before(async () => {
  decode = await createDecoder();
});
after(() => decode.close());

for (const [type, sample] of Object.entries(SAMPLES)) {
  describe(`${type} content decodes back exactly`, { concurrency: true }, () => {
    const validation = validateContent(sample);
    assert.ok(validation.ok, `${type} sample should be valid: ${JSON.stringify(validation)}`);
    const payload = encodeContent(validation.content);

    for (const [name, design] of Object.entries(DESIGNS)) {
      test(`${name}: PNG, SVG and PDF`, async () => {
        const [png, svg, pdf] = await Promise.all([
          decode.png(renderPng(payload, design, { size: 512 })),
          decode.svg(renderSvg(payload, design, { size: 480 })),
          renderPdf(payload, design, { sizeMm: 80 }).then((bytes) => decode.pdf(bytes)),
        ]);
        assert.equal(png, payload, 'PNG');
        assert.equal(svg, payload, 'SVG');
        assert.equal(pdf, payload, 'PDF');
      });
    }
  });
}
