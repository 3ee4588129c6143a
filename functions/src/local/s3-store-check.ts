/**
 * s3rver writes an object non-atomically: the bytes, then their MD5, then the
 * metadata, as three files, and answers the PUT only after all three. A kill
 * between them leaves a partial object, and s3rver's listing then fails with
 * a 500 on every call (it parses each object's metadata). Such an object was
 * never acknowledged to the uploader, so at start it is moved aside (kept,
 * never deleted) and the stack says so; the uploader's retry or a new upload
 * brings it back. node_modules is not touched.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const OBJECT = '._S3rver_object';
const MD5 = '._S3rver_object.md5';
const METADATA = '._S3rver_metadata.json';

export interface SetAside {
  readonly key: string;
  readonly why: string;
}

/** Checks every object under `s3Dir` and moves incomplete ones to `asideDir`. */
export function setAsidePartialObjects(s3Dir: string, asideDir: string): SetAside[] {
  const setAside: SetAside[] = [];
  const files = walk(s3Dir);
  const byStem = new Map<string, Set<string>>();
  for (const file of files) {
    const suffix = [MD5, METADATA, OBJECT].find((end) => file.endsWith(end));
    if (!suffix) continue;
    const stem = file.slice(0, -suffix.length);
    const parts = byStem.get(stem) ?? new Set<string>();
    parts.add(suffix);
    byStem.set(stem, parts);
  }
  for (const [stem, parts] of byStem) {
    const why = problemWith(stem, parts);
    if (!why) continue;
    for (const suffix of parts) {
      const from = `${stem}${suffix}`;
      const to = join(asideDir, relative(s3Dir, from));
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
    }
    // The first folder is the bucket.
    setAside.push({ key: relative(s3Dir, stem).split('/').slice(1).join('/'), why });
  }
  return setAside;
}

function problemWith(stem: string, parts: Set<string>): string | undefined {
  if (!parts.has(OBJECT)) return 'metadata with no object bytes';
  if (!parts.has(METADATA)) return 'the object was not finished (no metadata)';
  try {
    JSON.parse(readFileSync(`${stem}${METADATA}`, 'utf8'));
  } catch {
    return 'its metadata was only partly written';
  }
  if (!parts.has(MD5)) return 'the object was not finished (no checksum)';
  const recorded = readFileSync(`${stem}${MD5}`, 'utf8').trim();
  const actual = createHash('md5')
    .update(readFileSync(`${stem}${OBJECT}`))
    .digest('hex');
  if (recorded !== actual) return 'its bytes do not match their checksum (partly written)';
  return undefined;
}

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
