import { Type, type Static } from '@sinclair/typebox';

export const GeoFields = Type.Object(
  {
    latitude: Type.Number({ title: 'Latitude', description: 'Degrees north (negative: south), WGS 84.', minimum: -90, maximum: 90, examples: [40.416775] }),
    longitude: Type.Number({ title: 'Longitude', description: 'Degrees east (negative: west), WGS 84.', minimum: -180, maximum: 180, examples: [-3.70379] }),
    query: Type.Optional(
      Type.String({ title: 'Place name', description: 'Optional label or search the map app shows for the point.', maxLength: 200, examples: ['Puerta del Sol'] }),
    ),
  },
  { additionalProperties: false },
);
export type GeoFields = Static<typeof GeoFields>;

/** Six decimals is about 10 cm; String() alone would print tiny values as 1e-7, which geo: forbids. */
export function formatDegrees(value: number): string {
  const fixed = value.toFixed(6).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

export function encodeGeo(fields: GeoFields): string {
  const point = `geo:${formatDegrees(fields.latitude)},${formatDegrees(fields.longitude)}`;
  return fields.query ? `${point}?q=${encodeURIComponent(fields.query)}` : point;
}
