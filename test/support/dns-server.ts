import dns2 from 'dns2';

/**
 * A real DNS server on 127.0.0.1 (UDP, dns2): answers TXT questions from `records`, NXDOMAIN for
 * names it does not know. Blanca's resolver is pointed at it with DNS_SERVERS=127.0.0.1:<port>.
 */
export interface TestDnsServer {
  /** name → TXT values (each one string); change it between checks. */
  records: Map<string, string[]>;
  address: string;
  questions: string[];
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, string[]>();
  const questions: string[] = [];
  const { Packet } = dns2;
  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    const name = (question?.name ?? '').toLowerCase();
    questions.push(name);
    const values = records.get(name);
    if (!values) response.header.rcode = Packet.RCODE.NXDOMAIN;
    else if (question?.type === Packet.TYPE.TXT) for (const data of values) response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 0, data } as never);
    send(response);
  });
  await server.listen(0, '127.0.0.1');
  const { port } = server.address() as { port: number };
  return { records, questions, address: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
