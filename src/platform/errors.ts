// One catalogue of error codes. API errors are RFC 7807 problem documents; the
// catalogue is documented in docs/errors.md and a test keeps the two in step.
export const ERROR_CATALOGUE = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_credentials: { status: 401, title: 'Email, user name or password is wrong' },
  authentication_required: { status: 401, title: 'Sign-in required' },
  account_locked: { status: 423, title: 'Too many failed sign-in attempts' },
  forbidden: { status: 403, title: 'Your role does not allow this' },
  csrf_failed: { status: 403, title: 'The form expired; reload the page and try again' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Already exists' },
  quota_exceeded: { status: 409, title: 'Quota reached' },
  payload_too_large: { status: 413, title: 'The request is too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  feature_disabled: { status: 403, title: 'This feature is not enabled for the account' },
  internal_error: { status: 500, title: 'Something went wrong on our side' },
  not_ready: { status: 503, title: 'Not ready' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(detail ?? ERROR_CATALOGUE[code].title);
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export const notFound = (what = 'This item'): AppError => new AppError('not_found', `${what} does not exist.`);
export const forbidden = (detail?: string): AppError => new AppError('forbidden', detail);
export const invalid = (path: string, message: string): AppError =>
  new AppError('validation_failed', message, [{ path, message }]);

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  errors?: FieldError[];
}

export function toProblem(error: AppError): Problem {
  return {
    type: `urn:blanca:error:${error.code}`,
    title: ERROR_CATALOGUE[error.code].title,
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.fieldErrors.length ? { errors: error.fieldErrors } : {}),
  };
}
