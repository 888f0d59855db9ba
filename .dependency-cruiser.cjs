/**
 * Blanca's architecture rules, checked by test/architecture/dependencies.test.ts (npm test):
 * arrows point down — infrastructure (web/, platform/, db/) imports no domain — and no file cycles.
 * Which domain may write which table is checked by the same test from src/db/database.ts.
 */
const DOMAINS = '(accounts|users|subaccounts|auth|audit|qr|sso|ops|scim|logos)';
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file cycle means two modules cannot be understood (or loaded) one without the other.',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'infrastructure-below-domains',
      severity: 'error',
      comment: 'web/ and platform/ are the infrastructure the domains stand on: they import no domain.',
      from: { path: '^src/(web|platform)/' },
      to: { path: `^src/${DOMAINS}/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
