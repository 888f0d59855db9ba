import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { problemResponses } from '../../web/api-schemas.js';
import type { AppDeps } from '../../web/deps.js';
import { contextOf } from '../../auth/http/context.js';
import { txtLookup } from './dns.js';
import { DomainBody, DomainParams, DomainView } from './schemas.js';
import { checkDomain, claimDomain, listDomains, releaseDomain } from './service.js';

const tags = ['Single sign-on'];

/** /api/v1/sso/domains: the account's email domains for sign-in routing and their verification. */
export async function ssoDomainsApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/sso/domains', { schema: { tags, summary: 'Email domains: each with its state (pending / verified) and the DNS TXT record that verifies it', response: { 200: Type.Object({ domains: Type.Array(DomainView) }), ...problemResponses } } }, async (request) => ({
    domains: await listDomains(contextOf(request, deps)),
  }));

  app.post<{ Body: { domain: string } }>('/sso/domains', { schema: { tags, summary: 'Claim an email domain (pending until its TXT record is found); people of a domain are routed here only once it is verified', body: DomainBody, response: { 201: DomainView, ...problemResponses } } }, async (request, reply) => {
    reply.code(201);
    return claimDomain(contextOf(request, deps), request.body.domain);
  });

  app.post<{ Params: { domain: string } }>('/sso/domains/:domain/check', { schema: { tags, summary: 'Check now: look up the TXT record blanca-domain-verification=<token> at the domain; verified when found and no other account holds the domain', params: DomainParams, response: { 200: DomainView, ...problemResponses } } }, async (request) =>
    checkDomain(contextOf(request, deps), request.params.domain, txtLookup(deps.config.dnsServers)),
  );

  app.delete<{ Params: { domain: string } }>('/sso/domains/:domain', { schema: { tags, summary: 'Release an email domain: its people are no longer routed to this account', params: DomainParams, response: { 204: Type.Null(), ...problemResponses } } }, async (request, reply) => {
    await releaseDomain(contextOf(request, deps), request.params.domain);
    return reply.code(204).send();
  });
}
