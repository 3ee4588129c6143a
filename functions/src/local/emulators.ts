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
 *
 * dynalite is also given the one method its iterator streams need and its
 * storage library lacks (see endDynaliteIterators): without it every Query
 * left a LevelDB iterator open for the life of the process.
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
  endDynaliteIterators();
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

/**
 * dynalite 4.0.0 reads a Query or Scan through a stream over a level 10 iterator and, when the
 * stream ends or is cut short at a page, ends the iterator by calling `iterator.return()`, if
 * there is one. abstract-level 3 iterators (under classic-level, dynalite's LevelDB) have no
 * `return()`: their method is `close()`. So no iterator was ever closed: each stayed attached to
 * the database, pinning a LevelDB snapshot, the memtable it read and its table files, in native
 * memory the V8 heap does not show. Measured under `npm run bench -- load`: 5,649 iterators
 * still open after 400 uploads, and the process at 1.5 GB resident after 800 while its V8 heap
 * never passed 430 MB; with the fix, none left open and a peak under 600 MB.
 * Giving the iterators the `return()` dynalite calls, as `close()`, closes each one when its
 * stream ends. The classes are found through dynalite's own dependency chain, so the patch
 * reaches the copy it runs, whatever else is installed; idempotent.
 */
export function endDynaliteIterators(): void {
  const { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } = dynaliteLevelLibrary();
  for (const { prototype } of [AbstractIterator, AbstractKeyIterator, AbstractValueIterator]) {
    if (typeof prototype.return !== 'function')
      prototype.return = function (this: { close(): Promise<void> }) {
        return this.close();
      };
  }
}

interface LevelClass<T> {
  readonly prototype: T;
}

/** The abstract-level module dynalite's LevelDB is built on (the tests watch its iterators). */
export function dynaliteLevelLibrary(): {
  AbstractLevel: LevelClass<{
    attachResource(resource: unknown): void;
    detachResource(resource: unknown): void;
  }>;
  AbstractIterator: LevelClass<{ return?: () => Promise<void> }>;
  AbstractKeyIterator: LevelClass<{ return?: () => Promise<void> }>;
  AbstractValueIterator: LevelClass<{ return?: () => Promise<void> }>;
} {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  return createRequire(fromLevel.resolve('classic-level'))('abstract-level');
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
