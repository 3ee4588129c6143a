/**
 * The dependency rules (.dependency-cruiser.cjs) checked against themselves: a
 * small tree that breaks each rule must fail with exactly those rules named,
 * and the real functions/src must pass. Runs depcruise as `npm test` does.
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../../infra/constructs/returns-function.js';

const CONFIG = join(REPOSITORY_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(REPOSITORY_ROOT, 'node_modules', '.bin', 'depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

const depcruise = (root: string, ...args: string[]) =>
  spawnSync(DEPCRUISE, ['functions/src', '--config', CONFIG, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });

/** The violations, from the JSON report. */
function violationsIn(root: string): Violation[] {
  const output = JSON.parse(depcruise(root, '--output-type', 'json').stdout) as {
    summary: { violations: Violation[] };
  };
  return output.summary.violations;
}

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A throwaway checkout holding only the given source files (and the real node_modules, for the SDK). */
function treeWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'dependency-rules-'));
  folders.push(root);
  symlinkSync(join(REPOSITORY_ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'tsconfig.json'), readFileSync(join(REPOSITORY_ROOT, 'tsconfig.json')));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the dependency rules', () => {
  it('fail on a folder cycle, a core import of an adapter, the SDK or middy, and an import pointing up the flow', () => {
    const root = treeWith({
      'functions/src/errors.ts': 'export class ReturnsError extends Error {}\n',
      // programme → dictionary points up the flow (dictionary sits above programme).
      'functions/src/programme/periods.ts':
        "import { item } from '../dictionary/items.js';\nexport const p = item;\n",
      'functions/src/dictionary/items.ts':
        "import { ReturnsError } from '../errors.js';\nexport const item = ReturnsError;\n",
      // The core reaching out to an adapter, and to AWS and middy directly.
      'functions/src/validation/validate.ts':
        "import { store } from '../adapters/s3-store.js';\nimport { S3Client } from '@aws-sdk/client-s3';\nimport middy from '@middy/core';\nexport const v = [store, S3Client, middy];\n",
      'functions/src/adapters/s3-store.ts':
        "import { S3Client } from '@aws-sdk/client-s3';\nexport const store = S3Client;\n",
      // A use case importing the SDK rather than taking a port.
      'functions/src/submissions/receive.ts':
        "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const r = SQSClient;\n",
      // cli ↔ local: no module cycle, but the folders import each other.
      'functions/src/cli/a.ts': "import { b } from '../local/b.js';\nexport const a = b;\n",
      'functions/src/cli/c.ts': 'export const c = 1;\n',
      'functions/src/local/b.ts': 'export const b = 1;\n',
      'functions/src/local/d.ts': "import { c } from '../cli/c.js';\nexport const d = c;\n",
    });

    // As `npm run depcruise` runs it: a non-zero exit fails `npm test`.
    const run = depcruise(root);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('error no-folder-cycles');

    const violations = violationsIn(root);
    const broken = new Set(violations.map((violation) => violation.rule.name));
    expect([...broken].sort()).toEqual(
      [
        'core-direction-programme',
        'core-direction-validation',
        'core-knows-no-aws-or-middy',
        'core-stays-pure',
        'no-folder-cycles',
        'sdk-clients-only-in-adapters-and-composition-roots',
      ].sort(),
    );
    const edges = violations.map(
      (violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`,
    );
    expect(edges).toContain(
      'core-stays-pure: functions/src/validation/validate.ts → functions/src/adapters/s3-store.ts',
    );
    expect(edges).toContain(
      'core-direction-programme: functions/src/programme/periods.ts → functions/src/dictionary/items.ts',
    );
    expect(
      violations.filter((violation) => violation.rule.name === 'no-folder-cycles').length,
    ).toBeGreaterThan(0);
  });

  it('pass on the real tree', () => {
    const run = depcruise(REPOSITORY_ROOT);
    expect(run.stdout).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });
});

describe('SDK clients', () => {
  /** Every `new …Client(` or `DocumentClient.from(` under functions/src, by file. */
  function clientConstructions(): string[] {
    const source = join(REPOSITORY_ROOT, 'functions', 'src');
    const files = readdirSync(source, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.ts'),
    );
    return files
      .filter((file) =>
        /\bnew [A-Z][A-Za-z0-9]*Client\(|\bDynamoDBDocumentClient\.from\(/.test(
          readFileSync(join(source, file), 'utf8'),
        ),
      )
      .map((file) => relative(REPOSITORY_ROOT, join(source, file)));
  }

  it('are built only in the composition roots: Lambda entry points, local/ and cli/stack-connection.ts', () => {
    const outside = clientConstructions().filter(
      (file) =>
        !/^functions\/src\/handlers\/(?!.*-handler\.ts$)[^/]+\.ts$/.test(file) &&
        !file.startsWith('functions/src/local/') &&
        file !== 'functions/src/cli/stack-connection.ts' &&
        // The table's one set-up: a document client wrapped round the DynamoDB client a root built.
        !(
          file === 'functions/src/adapters/dynamodb-submission-store.ts' &&
          !/\bnew [A-Z][A-Za-z0-9]*Client\(/.test(readFileSync(join(REPOSITORY_ROOT, file), 'utf8'))
        ),
    );
    expect(outside).toEqual([]);
  });
});
