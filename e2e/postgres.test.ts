/**
 * A real PostgreSQL behind the built server, driven by a real client (pg): latency shows in query
 * times, a transaction runs to a correct commit across a `pause` toxic, and reset_peer and
 * limit_data reach the client as its own errors.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { startPostgres, type PostgresServer } from './helpers/postgres.js';

let postgres: PostgresServer;
let server: FaultlineProcess;
let admin: AdminClient;
let port: number;
const clients: pg.Client[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  server = await startFaultline();
  admin = new AdminClient(server.url);
  const proxy = await admin.createProxy({ name: 'pg', listen: '127.0.0.1:0', upstream: postgres.address });
  port = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await server?.stop();
  await postgres?.stop();
});

/** A client through the proxy (or straight to the server with `direct`); its errors are collected. */
async function connectClient(direct = false): Promise<{ client: pg.Client; errors: Error[] }> {
  const client = new pg.Client({ host: '127.0.0.1', port: direct ? postgres.port : port, user: postgres.user, database: 'postgres' });
  const errors: Error[] = [];
  client.on('error', (err) => errors.push(err));
  clients.push(client);
  await client.connect();
  return { client, errors };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** The fastest of `times` runs, in ms: a busy machine holds some up, never makes one faster. */
async function fastest(run: () => Promise<unknown>, times: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) best = Math.min(best, await timed(run));
  return best;
}

describe('PostgreSQL through faultline', () => {
  it('latency shows up in measured query time', async () => {
    const { client } = await connectClient();
    expect((await client.query('SELECT 1 + 1 AS two')).rows).toEqual([{ two: 2 }]);
    const direct = await fastest(() => client.query('SELECT 1'), 3);
    await admin.addToxic('pg', { name: 'slow', type: 'latency', attributes: { latency: 150 } });
    try {
      // Every query waits the latency, once; without the toxic, the fastest query takes less.
      const slowed = await fastest(() => client.query('SELECT 1'), 2);
      expect(slowed).toBeGreaterThanOrEqual(150);
      expect(slowed).toBeLessThan(150 + 800);
    } finally {
      await admin.removeToxic('pg', 'slow');
    }
    expect(direct).toBeLessThan(150);
  });

  it('a transaction across a pause toxic commits correctly', async () => {
    const { client, errors } = await connectClient();
    await client.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)');
    await client.query('INSERT INTO accounts VALUES (1, 100), (2, 0)');
    await client.query('BEGIN');
    await client.query('UPDATE accounts SET balance = balance - 30 WHERE id = 1');
    // Both directions stall for 450 ms of every 500 ms while the transaction goes on. The statements
    // take over 200 ms in all, longer than a 50 ms gap, so at least one of them meets a whole stall.
    await admin.addToxic('pg', { name: 'stall_up', type: 'pause', stream: 'upstream', attributes: { every: 500, duration: 450 } });
    await admin.addToxic('pg', { name: 'stall_down', type: 'pause', stream: 'downstream', attributes: { every: 500, duration: 450 } });
    const during = await timed(async () => {
      for (let i = 0; i < 10; i++)
        await client.query('UPDATE accounts SET balance = balance + 10 WHERE id = 2 AND pg_sleep(0.02) IS NOT NULL');
      expect((await client.query('SELECT balance FROM accounts ORDER BY id')).rows).toEqual([{ balance: 70 }, { balance: 100 }]);
    });
    await admin.removeToxic('pg', 'stall_up');
    await admin.removeToxic('pg', 'stall_down');
    await client.query('UPDATE accounts SET balance = balance - 10 WHERE id = 2');
    await client.query('COMMIT');
    expect(during).toBeGreaterThan(600);
    expect(errors).toEqual([]);
    const { client: check } = await connectClient(true);
    expect((await check.query('SELECT id, balance FROM accounts ORDER BY id')).rows).toEqual([
      { id: 1, balance: 70 },
      { id: 2, balance: 90 },
    ]);
  });

  it('reset_peer reaches the client as a connection reset', async () => {
    const { client, errors } = await connectClient();
    await admin.addToxic('pg', { name: 'rst', type: 'reset_peer', stream: 'upstream' });
    try {
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      await admin.removeToxic('pg', 'rst');
    }
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ECONNRESET');
  });

  it('limit_data cuts a result short, and the client reports the ended connection', async () => {
    const { client } = await connectClient();
    await admin.addToxic('pg', { name: 'cap', type: 'limit_data', attributes: { bytes: 2000 } });
    try {
      await expect(client.query("SELECT repeat('x', 100000) AS big")).rejects.toThrow('Connection terminated unexpectedly');
    } finally {
      await admin.removeToxic('pg', 'cap');
    }
    const { client: fresh } = await connectClient();
    expect((await fresh.query("SELECT length(repeat('x', 100000)) AS n")).rows).toEqual([{ n: 100000 }]);
  });
});
