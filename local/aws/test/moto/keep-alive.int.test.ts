import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MotoServer, startMoto } from '../../src/moto/index.js';

const LIST_TABLES = {
  'Content-Type': 'application/x-amz-json-1.0',
  'X-Amz-Target': 'DynamoDB_20120810.ListTables',
  Authorization:
    'AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
};

function request(opts: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}): string {
  const body = opts.body ?? '';
  const headers = { Host: '127.0.0.1', ...opts.headers };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'transfer-encoding'))
    Object.assign(headers, { 'Content-Length': String(Buffer.byteLength(body)) });
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${opts.method ?? 'POST'} ${opts.path ?? '/'} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Writes raw bytes on one connection and parses the answers (Content-Length or chunked). */
class RawConnection {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(endpoint: string) {
    const url = new URL(endpoint);
    this.#socket = connect(Number(url.port), url.hostname);
    this.#socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    this.#socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    this.#socket.on('error', () => {});
  }

  write(bytes: string): void {
    this.#socket.write(bytes);
  }

  async #more(): Promise<void> {
    if (this.#closed) throw new Error('the server closed the connection');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5_000);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  async answer(): Promise<Answer> {
    let end = this.#buffer.indexOf('\r\n\r\n');
    while (end < 0) {
      await this.#more();
      end = this.#buffer.indexOf('\r\n\r\n');
    }
    const [statusLine = '', ...headerLines] = this.#buffer
      .subarray(0, end)
      .toString()
      .split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((l) => [
        l.slice(0, l.indexOf(':')).toLowerCase(),
        l.slice(l.indexOf(':') + 1).trim(),
      ]),
    );
    // moto's answers carry a Content-Length; a chunked one would need its own parser.
    if (headers['transfer-encoding'] === 'chunked') throw new Error('unexpected chunked answer');
    let rest = this.#buffer.subarray(end + 4);
    const length = Number(headers['content-length'] ?? 0);
    while (rest.length < length) {
      await this.#more();
      rest = this.#buffer.subarray(end + 4);
    }
    const body = rest.subarray(0, length);
    this.#buffer = rest.subarray(length);
    return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString() };
  }

  /** Resolves true if the server closes the connection within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    if (this.#closed) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#closed;
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/**
 * Fix "keep-alive": upstream's server closes the connection after every
 * answer; with the fix a connection serves request after request, and a body
 * the application does not read cannot leak into the next request.
 */
describe('moto fix "keep-alive"', () => {
  let upstream: MotoServer;
  const connections: RawConnection[] = [];
  const open = (endpoint: string) => {
    const c = new RawConnection(endpoint);
    connections.push(c);
    return c;
  };
  beforeAll(async () => {
    upstream = await startMoto({ withoutFixes: ['keep-alive'], log: () => {} });
  }, 60_000);
  afterAll(async () => {
    for (const c of connections) c.destroy();
    await upstream?.stop();
  });

  it('serves several requests on one connection and leaves it open', async () => {
    // Prepare
    const c = open(inject('awsEndpoint'));

    // Act
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) {
      c.write(request({ headers: LIST_TABLES, body: '{}' }));
      answers.push(await c.answer());
    }

    // Assess
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body)).toHaveProperty('TableNames');
      expect(a.headers.connection).toBeUndefined();
    }
    expect(await c.closesWithin(300)).toBe(false);
  });

  it('answers pipelined requests in order, whether or not the application read the body', async () => {
    // Prepare: the stats route never reads its body; without draining, its bytes would be parsed
    // as the next request line.
    const c = open(inject('awsEndpoint'));
    const unread = 'x'.repeat(5_000);

    // Act: three requests in one write
    c.write(
      request({ method: 'GET', path: '/_ledger/stats', body: unread }) +
        request({ headers: LIST_TABLES, body: '{}' }) +
        request({ method: 'GET', path: '/_ledger/stats' }),
    );
    const answers = [await c.answer(), await c.answer(), await c.answer()];

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(JSON.parse(answers[0]?.body ?? '')).toHaveProperty('requests');
    expect(JSON.parse(answers[1]?.body ?? '')).toHaveProperty('TableNames');
    expect(JSON.parse(answers[2]?.body ?? '')).toHaveProperty('requests');
  });

  it("keeps upstream's close for a chunked body and for a client that asks for it", async () => {
    // Prepare
    const chunked = open(inject('awsEndpoint'));
    const asked = open(inject('awsEndpoint'));

    // Act
    chunked.write(
      request({ headers: { ...LIST_TABLES, 'Transfer-Encoding': 'chunked' } }).replace(
        /\r\n\r\n$/,
        '\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      ),
    );
    asked.write(request({ headers: { ...LIST_TABLES, Connection: 'close' }, body: '{}' }));
    const answers = [await chunked.answer(), await asked.answer()];

    // Assess
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body)).toHaveProperty('TableNames');
      expect(a.headers.connection).toBe('close');
    }
    expect(await chunked.closesWithin(2_000)).toBe(true);
    expect(await asked.closesWithin(2_000)).toBe(true);
  });

  it('lets an SDK client reuse one socket for sequential calls, where upstream needs one per call', async () => {
    // Prepare: count the sockets each client's agent opens
    const sockets = async (endpoint: string) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 10 });
      let opened = 0;
      const create = agent.createConnection.bind(agent);
      agent.createConnection = ((...args: Parameters<typeof create>) => {
        opened++;
        return create(...args);
      }) as typeof agent.createConnection;
      const client = new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler({ httpAgent: agent }),
      });
      try {
        for (let i = 0; i < 10; i++) await client.send(new ListTablesCommand({}));
      } finally {
        client.destroy();
      }
      return opened;
    };

    // Act
    const [fixed, unfixed] = [
      await sockets(inject('awsEndpoint')),
      await sockets(upstream.endpoint),
    ];

    // Assess
    expect(fixed).toBe(1);
    expect(unfixed).toBe(10);
  });

  it('upstream closes after every answer (what the fix changes)', async () => {
    // Prepare
    const c = open(upstream.endpoint);

    // Act
    c.write(request({ headers: LIST_TABLES, body: '{}' }));
    const answer = await c.answer();

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(await c.closesWithin(2_000)).toBe(true);
  });
});
