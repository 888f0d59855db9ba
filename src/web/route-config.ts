declare module 'fastify' {
  interface FastifyContextConfig {
    /** Skip session and locale resolution (hot paths such as QR redirects, health checks). */
    anonymous?: boolean;
    /** An API route: the caller is resolved from a bearer token only, never from a cookie (set by the API scope). */
    bearerOnly?: boolean;
  }
}
export {};
