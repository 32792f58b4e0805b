/**
 * A real gRPC server and client (@grpc/grpc-js) on the helloworld services: Greeter (unary and
 * server-streaming) and Farewell (unary), for the http2 e2e tests.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('./helloworld.proto', import.meta.url));

interface HelloReply {
  message: string;
}
type Unary = (req: { name: string }, cb: (err: grpc.ServiceError | null, reply?: HelloReply) => void) => void;

/** The package's service constructors. */
function helloworld(): Record<string, grpc.ServiceClientConstructor> {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true });
  return grpc.loadPackageDefinition(definition)['helloworld'] as unknown as Record<string, grpc.ServiceClientConstructor>;
}

/** A running gRPC server. */
export interface GrpcServer {
  readonly address: string;
  /** Calls it has answered, by method name. */
  readonly calls: Record<string, number>;
  stop(): Promise<void>;
}

export async function startGrpcServer(): Promise<GrpcServer> {
  const pkg = helloworld();
  const server = new grpc.Server();
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  server.addService((pkg['Greeter'] as grpc.ServiceClientConstructor).service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, HelloReply>, cb: grpc.sendUnaryData<HelloReply>) => {
      count('SayHello');
      cb(null, { message: `Hello ${call.request.name}` });
    },
    SayHelloStream: (call: grpc.ServerWritableStream<{ name: string }, HelloReply>) => {
      count('SayHelloStream');
      for (let i = 1; i <= 5; i++) call.write({ message: `Hello ${call.request.name} #${i}` });
      call.end();
    },
  });
  server.addService((pkg['Farewell'] as grpc.ServiceClientConstructor).service, {
    SayGoodbye: (call: grpc.ServerUnaryCall<{ name: string }, HelloReply>, cb: grpc.sendUnaryData<HelloReply>) => {
      count('SayGoodbye');
      cb(null, { message: `Goodbye ${call.request.name}` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The outcome of one call: the reply(ies), or the status code and details. */
export interface CallResult {
  messages: string[];
  code: number;
  details: string;
}

/** A client of both services at `address`, plain text (h2c). */
export function grpcClients(address: string) {
  const pkg = helloworld();
  const options = { 'grpc.enable_retries': 1 };
  const greeter = new (pkg['Greeter'] as grpc.ServiceClientConstructor)(address, grpc.credentials.createInsecure(), options);
  const farewell = new (pkg['Farewell'] as grpc.ServiceClientConstructor)(address, grpc.credentials.createInsecure(), options);
  const unary = (client: grpc.Client, method: string, name: string): Promise<CallResult> =>
    new Promise((resolve) => {
      (client as unknown as Record<string, Unary>)[method]?.call(client, { name }, (err, reply) =>
        resolve(err ? { messages: [], code: err.code, details: err.details } : { messages: [reply?.message ?? ''], code: 0, details: '' }),
      );
    });
  return {
    sayHello: (name: string) => unary(greeter, 'SayHello', name),
    sayGoodbye: (name: string) => unary(farewell, 'SayGoodbye', name),
    sayHelloStream: (name: string): Promise<CallResult> =>
      new Promise((resolve) => {
        const messages: string[] = [];
        const call = (greeter as unknown as Record<string, (req: { name: string }) => grpc.ClientReadableStream<HelloReply>>)[
          'SayHelloStream'
        ]?.call(greeter, { name }) as grpc.ClientReadableStream<HelloReply>;
        call.on('data', (reply: HelloReply) => messages.push(reply.message));
        call.on('error', (err: grpc.ServiceError) => resolve({ messages, code: err.code, details: err.details }));
        call.on('end', () => resolve({ messages, code: 0, details: '' }));
      }),
    close: () => {
      greeter.close();
      farewell.close();
    },
  };
}
