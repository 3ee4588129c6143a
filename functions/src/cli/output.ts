/** Writing a command's output file: whole or not at all, with a plain reason when it cannot. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** Writes through a temporary file and a rename, so a reader never sees half a workbook. */
export async function writeOutputFile(
  path: string,
  bytes: Buffer | string,
  { createFolder = false } = {},
): Promise<string> {
  const target = resolve(path);
  const folder = dirname(target);
  if (createFolder) await mkdir(folder, { recursive: true }).catch((cause) => fail(target, cause));
  const temporary = join(folder, `.${basename(target)}.${process.pid}.partial`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  } catch (cause) {
    await rm(temporary, { force: true });
    fail(target, cause);
  }
  return target;
}

function fail(target: string, cause: unknown): never {
  const code = (cause as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: `the folder ${dirname(target)} does not exist`,
    EACCES: 'permission was refused',
    EPERM: 'permission was refused',
    EISDIR: 'it is a folder',
    ENOTDIR: `part of the path is a file, not a folder`,
    EROFS: 'the disk is read-only',
    ENOSPC: 'the disk is full',
  };
  throw new UsageError(
    `Cannot write ${target}: ${reasons[code ?? ''] ?? `the system said ${code ?? String(cause)}`}.`,
    { cause },
  );
}
