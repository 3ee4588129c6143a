/**
 * The three local emulators, started and stopped from code on 127.0.0.1: s3rver
 * (S3), dynalite (DynamoDB) and aws-ses-v2-local (SES v2). They speak the real
 * protocols, so the SDK clients and the handler code are exactly those used
 * with AWS. Port 0 picks a free port (the tests use it).
 *
 * Each is started defensively: s3rver on our own http.Server (its run() has no
 * error listener, so a busy port would crash the process), dynalite with
 * instant table creation, and the SES emulator checked to be listening (it
 * resolves even when it could not bind).
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';

const require = createRequire(import.meta.url);

export interface RunningEmulator {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface RunningS3 extends RunningEmulator {
  readonly s3rver: S3rver;
}

export async function startS3(options: {
  port: number;
  directory: string;
  buckets: readonly string[];
}): Promise<RunningS3> {
  const s3rver = new S3rver({
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  await s3rver.configureBuckets();
  const server = createServer(s3rver.callback());
  const port = await listen(server, options.port, 'S3 (s3rver)');
  return { s3rver, endpoint: `http://127.0.0.1:${port}`, port, stop: () => close(server) };
}

export async function startDynamo(options: { port: number; directory?: string }): Promise<RunningEmulator> {
  // createTableMs 0: a new table is ACTIVE at once (the default 500 ms makes early writes fail).
  const server = dynalite({
    ...(options.directory ? { path: options.directory } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const port = await listen(server, options.port, 'DynamoDB (dynalite)');
  // dynalite's close also closes its LevelDB, releasing the lock for the next start.
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => close(server) };
}

export async function startSes(options: { port: number }): Promise<RunningEmulator> {
  const module = require('aws-ses-v2-local') as {
    default: (config: { host: string; port: number }) => Promise<Server>;
  };
  // Always 127.0.0.1: the emulator's default host is every interface.
  const server = await module.default({ host: '127.0.0.1', port: options.port });
  if (!server.listening) {
    server.close();
    throw new Error(
      `The email emulator (aws-ses-v2-local) could not listen on 127.0.0.1:${options.port}: is the port in use?`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => close(server) };
}

function listen(server: Server, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `${what} could not start: port ${port} on 127.0.0.1 is in use. Stop whatever uses it, or choose another port.`,
            )
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections?.();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
