declare module 'fastify' {
  interface FastifyContextConfig {
    /** Skip session and locale resolution (hot paths such as QR redirects, health checks). */
    anonymous?: boolean;
    /** An API route: the caller is resolved from a bearer token only, never from a cookie (set by the API scope). */
    bearerOnly?: boolean;
    /** Reachable by a session opened with an SSO set-up link (the SSO tab's pages and actions); every other route answers it 404. */
    ssoSetup?: boolean;
  }
}
export {};
