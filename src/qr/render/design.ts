import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { toFieldErrors, type FieldError } from '../content/field-errors.js';
import type { ErrorCorrectionLevel } from '../content/payload-capacity.js';
import { parseLogo, type Logo } from './logo.js';

const Colour = (title: string, fallback: string) =>
  Type.String({
    title,
    description: 'Colour as #rrggbb.',
    pattern: '^#[0-9a-fA-F]{6}$',
    errorMessage: `${title} must be a colour such as ${fallback}.`,
    default: fallback,
    examples: [fallback],
  });

const Choice = <T extends string>(title: string, description: string, choices: readonly T[], fallback: T) =>
  Type.Union(
    choices.map((choice) => Type.Literal(choice)),
    { title, description, default: fallback },
  );

export const QrDesign = Type.Object(
  {
    foreground: Type.Optional(Colour('Foreground colour', '#000000')),
    background: Type.Optional(Colour('Background colour', '#ffffff')),
    errorCorrection: Type.Optional(
      Choice('Error correction', 'L 7 %, M 15 %, Q 25 %, H 30 % of the code may be damaged and still scan. A logo always uses H.', ['L', 'M', 'Q', 'H'], 'M'),
    ),
    quietZone: Type.Optional(
      Type.Integer({ title: 'Quiet zone', description: 'Empty margin around the code, in modules; readers want 4, at least 2.', minimum: 0, maximum: 10, default: 4 }),
    ),
    moduleStyle: Type.Optional(Choice('Module style', 'Shape of the small squares.', ['square', 'rounded', 'dots'], 'square')),
    finderStyle: Type.Optional(Choice('Corner style', 'Shape of the three corner eyes (finder patterns).', ['square', 'rounded', 'circle'], 'square')),
    logo: Type.Optional(
      Type.String({
        title: 'Logo',
        description: 'PNG, JPEG, WebP or SVG logo as a base64 data URL (data:image/png;base64,…), at most 512 KB and 2048 × 2048 pixels, shown centred on a clear pad. SVG and WebP are turned into PNG when saved; a saved logo is stored once per account by content hash and never listed.',
        maxLength: 700_000,
      }),
    ),
  },
  { title: 'QR design', additionalProperties: false },
);
export type QrDesign = Static<typeof QrDesign>;

export type ModuleStyle = 'square' | 'rounded' | 'dots';
export type FinderStyle = 'square' | 'rounded' | 'circle';

/** A design with every default filled in and the logo decoded: what the renderers draw from. */
export interface ResolvedDesign {
  foreground: string;
  background: string;
  errorCorrection: ErrorCorrectionLevel;
  quietZone: number;
  moduleStyle: ModuleStyle;
  finderStyle: FinderStyle;
  logo: Logo | null;
}

export type DesignValidation = { ok: true; design: QrDesign } | { ok: false; errors: FieldError[] };

const checker = TypeCompiler.Compile(QrDesign);

export function validateDesign(input: unknown): DesignValidation {
  if (!checker.Check(input)) return { ok: false, errors: toFieldErrors(checker.Errors(input)) };
  if (input.logo !== undefined) {
    const logo = parseLogo(input.logo);
    if (!logo.ok) return { ok: false, errors: [{ path: 'logo', message: logo.message }] };
  }
  return { ok: true, design: input };
}

/** The level the code is really made with: the logo hides modules, so only H leaves enough to recover. */
export function effectiveErrorCorrection(design: QrDesign): ErrorCorrectionLevel {
  return design.logo ? 'H' : (design.errorCorrection ?? 'M');
}

/** Expects a design that passed validateDesign; a bad logo here is a caller bug. */
export function resolveDesign(design: QrDesign): ResolvedDesign {
  let logo: Logo | null = null;
  if (design.logo !== undefined) {
    const parsed = parseLogo(design.logo);
    if (!parsed.ok) throw new Error(`resolveDesign called with an unchecked logo: ${parsed.message}`);
    logo = parsed.logo;
  }
  return {
    foreground: (design.foreground ?? '#000000').toLowerCase(),
    background: (design.background ?? '#ffffff').toLowerCase(),
    errorCorrection: effectiveErrorCorrection(design),
    quietZone: design.quietZone ?? 4,
    moduleStyle: design.moduleStyle ?? 'square',
    finderStyle: design.finderStyle ?? 'square',
    logo,
  };
}
