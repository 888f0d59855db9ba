declare module 'fastify' {
  interface FastifyContextConfig {
    /** Skip session and locale resolution (hot paths such as QR redirects, health checks). */
    anonymous?: boolean;
  }
}
export {};
