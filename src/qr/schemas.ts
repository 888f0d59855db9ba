import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import '../platform/formats.js';
import { AppError, type FieldError } from '../platform/errors.js';
import { Nullable, PageLimit, PageOffset } from '../platform/schema.js';
import { CONTENT_TYPES, QrContent, validateContent } from './content/index.js';
import { QrDesign, validateDesign } from './render/index.js';
import { toFieldErrors } from './content/field-errors.js';

// Request and response shapes of the QR domain, written once: the API validates with
// them, the portal and CSV import parse with the same functions, OpenAPI documents them.

export const CODE_KINDS = ['static', 'dynamic'] as const;
export const CODE_STATUSES = ['active', 'paused'] as const;
/** What list filters call a code: paused wins over expired. */
export const CODE_STATES = ['active', 'paused', 'expired'] as const;

const Kind = Type.Union(CODE_KINDS.map((k) => Type.Literal(k)), {
  description: 'static: the content itself is in the code. dynamic: the code holds a short link whose destination can change after printing (content type url only).',
});
const Status = Type.Union(CODE_STATUSES.map((s) => Type.Literal(s)), { description: 'A paused dynamic code shows a "paused" page instead of redirecting.' });
const Name = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S', errorMessage: 'Enter a name of 1 to 120 characters.' });
const Folder = Type.String({ minLength: 1, maxLength: 80, pattern: '\\S', errorMessage: 'Use a folder name of 1 to 80 characters.' });
const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '^[^,|]*\\S[^,|]*$', errorMessage: 'A tag has 1 to 40 characters and no comma or |.' });
const Tags = Type.Array(Tag, { maxItems: 20, uniqueItems: true, description: 'Free labels for search and filters', errorMessage: 'Use at most 20 different tags.' });
const Instant = Type.String({ format: 'date-time', description: 'RFC 3339 with offset', errorMessage: 'Use a date and time such as 2030-12-31T23:59:00Z.' });

/** The design of an edit: fields merge into the saved design; `logo: null` removes the logo. */
const DesignPatch = Type.Object(
  { ...QrDesign.properties, logo: Type.Optional(Nullable(QrDesign.properties.logo)) },
  { title: 'QR design changes', additionalProperties: false, description: 'Fields given replace the saved ones; a logo forces error correction H.' },
);

function createFields<C extends TSchema, D extends TSchema>(content: C, design: D) {
  return {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'White-label user who owns the code. Optional for a user token or when only one user is visible.' })),
    kind: Kind,
    name: Name,
    content,
    design: Type.Optional(design),
    folder: Type.Optional(Nullable(Folder)),
    tags: Type.Optional(Tags),
    expiresAt: Type.Optional(Nullable(Instant)),
    status: Type.Optional(Status),
  };
}

function updateFields<C extends TSchema, D extends TSchema>(content: C, design: D) {
  return {
    name: Type.Optional(Name),
    content: Type.Optional(content),
    design: Type.Optional(design),
    folder: Type.Optional(Nullable(Folder)),
    tags: Type.Optional(Tags),
    expiresAt: Type.Optional(Nullable(Instant)),
    status: Type.Optional(Status),
  };
}

/** As documented in OpenAPI. */
export const CreateCodeBody = Type.Object(createFields(QrContent, QrDesign), { additionalProperties: false });
export const UpdateCodeBody = Type.Object(updateFields(QrContent, DesignPatch), { additionalProperties: false, minProperties: 1 });
export type CreateCodeInput = Static<typeof CreateCodeBody>;
export type UpdateCodeInput = Omit<Static<typeof UpdateCodeBody>, 'design'> & { design?: DesignPatchInput };
export type DesignPatchInput = Omit<Static<typeof QrDesign>, 'logo'> & { logo?: string | null };

// The same shapes with content and design left open: those two are checked by the QR
// library's own validators, whose messages name the field ("Network name is required.")
// where a JSON-schema union would only say "must match a schema in anyOf".
const createShell = TypeCompiler.Compile(Type.Object(createFields(Type.Unknown(), Type.Unknown()), { additionalProperties: false }));
const updateShell = TypeCompiler.Compile(Type.Object(updateFields(Type.Unknown(), Type.Unknown()), { additionalProperties: false, minProperties: 1 }));
const designPatchCheck = TypeCompiler.Compile(DesignPatch);

function prefixed(prefix: string, errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({ path: e.path ? `${prefix}.${e.path}` : prefix, message: e.message }));
}

function shellErrors(check: ReturnType<typeof TypeCompiler.Compile>, input: unknown): FieldError[] {
  if (check.Check(input)) return [];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(input)) {
    const path = error.path.split('/').filter(Boolean).join('.') || '(body)';
    if (seen.has(path)) continue;
    seen.add(path);
    const custom = (error.schema as { errorMessage?: string }).errorMessage;
    errors.push({ path, message: error.type === ValueErrorType.ObjectRequiredProperty ? 'This field is required.' : custom ?? toFieldErrors([error])[0]?.message ?? error.message });
  }
  return errors;
}

function fail(errors: FieldError[]): never {
  throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

/** Untrusted body (API, form, CSV row) → a create input with valid content and design, or a field-by-field 400. */
export function parseCreateCode(input: unknown): CreateCodeInput {
  const errors = shellErrors(createShell, input);
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if ('content' in body) {
    const content = validateContent(body.content);
    if (!content.ok) errors.push(...prefixed('content', content.errors));
  }
  if (body.design !== undefined) {
    const design = validateDesign(body.design);
    if (!design.ok) errors.push(...prefixed('design', design.errors));
  }
  if (errors.length > 0) fail(errors);
  return body as CreateCodeInput;
}

export function parseUpdateCode(input: unknown): UpdateCodeInput {
  const errors = shellErrors(updateShell, input);
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (body.content !== undefined) {
    const content = validateContent(body.content);
    if (!content.ok) errors.push(...prefixed('content', content.errors));
  }
  if (body.design !== undefined && !designPatchCheck.Check(body.design)) errors.push(...prefixed('design', toFieldErrors(designPatchCheck.Errors(body.design))));
  if (errors.length > 0) fail(errors);
  return body as UpdateCodeInput;
}

const Warning = Type.Object({ code: Type.String(), message: Type.String() });

// Content and design go out with the shape they came in; the response schema stays open so
// the serializer does not have to pick a branch of the content union.
const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const CodeView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  kind: Kind,
  name: Type.String(),
  contentType: Type.String({ enum: CONTENT_TYPES }),
  content: OpenObject('The QrContent as saved (see the request schema)'),
  design: OpenObject('The QrDesign as saved, without the logo bytes (see hasLogo)'),
  hasLogo: Type.Boolean(),
  shortCode: Nullable(Type.String()),
  shortUrl: Nullable(Type.String({ description: 'Dynamic codes: the link the code holds' })),
  destination: Nullable(Type.String({ description: 'Dynamic codes: where the short link redirects now' })),
  folder: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  status: Status,
  expired: Type.Boolean(),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  warnings: Type.Array(Warning, { description: 'Design advice, e.g. low contrast; the code still renders' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type CodeView = Static<typeof CodeView>;

export const CodeListQuery = Type.Object({
  userId: Type.Optional(Type.String({ maxLength: 64 })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Search in name, destination, short code and folder' })),
  folder: Type.Optional(Type.String({ maxLength: 80 })),
  tag: Type.Optional(Type.String({ maxLength: 40 })),
  kind: Type.Optional(Kind),
  contentType: Type.Optional(Type.String({ enum: CONTENT_TYPES })),
  state: Type.Optional(Type.Union(CODE_STATES.map((s) => Type.Literal(s)))),
  shortCode: Type.Optional(Type.String({ maxLength: 16 })),
  limit: PageLimit(500, 50),
  offset: PageOffset(),
});
export type CodeListQuery = Static<typeof CodeListQuery>;

export const IMAGE_FORMATS = ['png', 'svg', 'pdf'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const ImageQuery = Type.Object({
  format: Type.Union(IMAGE_FORMATS.map((f) => Type.Literal(f)), { default: 'png' }),
  size: Type.Optional(Type.Integer({ minimum: 10, maximum: 4096, description: 'PNG and SVG: width in pixels (default 512). PDF: printed width in millimetres, 10 to 1000 (default 50).' })),
  download: Type.Optional(Type.Boolean({ description: 'Answer with Content-Disposition: attachment' })),
});
export type ImageQuery = Static<typeof ImageQuery>;

export const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date', description: 'First UTC day (default: 29 days before `to`)' })),
  to: Type.Optional(Type.String({ format: 'date', description: 'Last UTC day (default: today)' })),
});
export type StatsQuery = Static<typeof StatsQuery>;

const Breakdown = Type.Array(Type.Object({ key: Type.String(), scans: Type.Integer() }));
export const StatsView = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  totalScans: Type.Integer({ description: 'Scans by people; bots and link previews are left out' }),
  uniqueScans: Type.Integer({ description: 'Distinct visitors per UTC day, summed (the salt rotates daily, so a visitor cannot be followed across days)' }),
  botScans: Type.Integer({ description: 'Requests flagged as bots or link-preview crawlers (not counted above)' }),
  series: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), scans: Type.Integer(), unique: Type.Integer() })),
  devices: Breakdown,
  os: Breakdown,
  countries: Breakdown,
  referrers: Breakdown,
});
export type StatsView = Static<typeof StatsView>;

export const BulkBody = Type.Object(
  {
    userId: Type.Optional(Type.String({ maxLength: 64 })),
    csv: Type.String({ minLength: 1, maxLength: 2_000_000, description: 'CSV with a header row: name, kind, type, folder, tags (separated by |), expiresAt, and the content fields of the type (url, text, ssid, encryption, password, firstName, phones[0].number, …)' }),
  },
  { additionalProperties: false },
);
export type BulkInput = Static<typeof BulkBody>;

export const BulkRowResult = Type.Object({
  row: Type.Integer({ description: 'Line number in the file (the header is line 1)' }),
  ok: Type.Boolean(),
  skipped: Type.Optional(Type.Boolean({ description: 'true: an earlier run of the same file already created this row\'s code (codeId)' })),
  codeId: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});
export type BulkRowResult = Static<typeof BulkRowResult>;

export const BulkJobView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('interrupted')], { description: 'interrupted: the process running the job stopped; the report is complete up to the last created row, and sending the same file again skips the rows already created' }),
  total: Type.Integer(),
  processed: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer({ description: 'Rows already created by an earlier run of the same file (counted in succeeded)' }),
  rows: Type.Array(BulkRowResult),
});
export type BulkJobView = Static<typeof BulkJobView>;

export const ScanSettingsBody = Type.Object(
  { scanRetentionDays: Nullable(Type.Integer({ minimum: 1, maximum: 3650, errorMessage: 'Enter a number of days from 1 to 3650, or leave empty to keep scans.' })) },
  { additionalProperties: false },
);
export type ScanSettingsInput = Static<typeof ScanSettingsBody>;
export const ScanSettingsView = Type.Object({ scanRetentionDays: Nullable(Type.Integer({ description: 'Scans older than this are deleted; null keeps them' })) });

/** Converts form or CSV strings to the numbers and booleans a content schema expects. */
export function convertTo<T extends TObject<TProperties>>(schema: T, value: unknown): unknown {
  return Value.Convert(schema, value);
}
