/**
 * Reading the analyst-edited reference files (dictionary, sites, periods,
 * benchmarks): YAML parsed, then checked by a zod schema, with every problem
 * reported at once as `path: plain message` so a broken file is fixed in one go.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ReferenceDataError } from '../errors.js';

export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ReferenceDataError(file, [
      code === 'ENOENT' ? 'the file does not exist' : `it cannot be read (${code})`,
    ]);
  }
  return parseYamlText(file, text);
}

export function parseYamlText(file: string, text: string): unknown {
  // uniqueKeys: a key written twice is a mistake, not "the last one wins".
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ReferenceDataError(
      file,
      document.errors.map((error) => {
        const where = error.linePos?.[0];
        const firstLine = error.message.split('\n')[0] ?? error.message;
        return where
          ? `line ${where.line}, column ${where.col}: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`
          : firstLine;
      }),
    );
  }
  return document.toJS();
}

/**
 * Checks data against a schema; on failure lists every problem, each with its
 * path. `moreProblems` adds checks that need the whole file (references), run
 * even when the schema fails, so one pass reports everything it can.
 */
export function checkWithSchema<S extends z.ZodType>(
  file: string,
  schema: S,
  data: unknown,
  moreProblems?: (data: z.output<S>) => string[],
): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) {
    const problems = moreProblems?.(result.data) ?? [];
    if (problems.length > 0) throw new ReferenceDataError(file, problems);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => describeIssue(issue, data));
  if (moreProblems) {
    try {
      // The data failed its schema, so these checks see it as it is; any they can
      // still make are worth reporting now, and any they cannot are skipped.
      for (const problem of moreProblems(data as z.output<S>))
        if (!problems.includes(problem)) problems.push(problem);
    } catch {
      // Too broken to cross-check; the schema's problems come first anyway.
    }
  }
  throw new ReferenceDataError(file, problems);
}

type Issue = z.core.$ZodIssue & { input?: unknown };

export function describeIssue(issue: Issue, root: unknown): string {
  const where = formatPath(issue.path, root);
  const prefix = where ? `${where}: ` : '';
  switch (issue.code) {
    case 'invalid_value':
      if (issue.input === undefined) return `${prefix}is missing`;
      return `${prefix}${show(issue.input)} is not one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      if (issue.input === undefined) return `${prefix}is missing`;
      return `${prefix}should be ${article(issue.expected)}, not ${show(issue.input)}`;
    case 'unrecognized_keys':
      return `${prefix}${issue.keys.map((key) => `"${key}"`).join(', ')} ${issue.keys.length === 1 ? 'is not a field' : 'are not fields'} here (is it misspelt?)`;
    case 'invalid_union': {
      // Discriminated unions: say which discriminator values are allowed.
      const note = (issue as { note?: string }).note;
      if (note === 'No matching discriminator') {
        const { options, discriminator } = issue as { options?: unknown[]; discriminator?: string };
        const input = issue.input as Record<string, unknown> | undefined;
        const seen = discriminator && input && typeof input === 'object' ? input[discriminator] : issue.input;
        if (seen === undefined) return `${prefix}is missing`;
        return `${prefix}${show(seen)} is not one of ${(options ?? []).map(String).join(', ')}`;
      }
      return `${prefix}${issue.message}`;
    }
    default:
      return `${prefix}${issue.message}`;
  }
}

/** `items[12] (REACH.CHILD_Q).aggregation`: the index for tools, the ID for people. */
export function formatPath(path: readonly PropertyKey[], root: unknown): string {
  let text = '';
  let node: unknown = root;
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      if (typeof id === 'string' && id.length <= 60) text += ` (${id})`;
    } else {
      text += `${text ? '.' : ''}${String(key)}`;
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    }
  }
  return text;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a group of fields';
  return String(value);
}

function article(expected: string): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a group of fields',
  };
  return words[expected] ?? expected;
}
