/**
 * How a code from a code list is shown to a person and read back: the template's
 * dropdowns offer "Diet and nutrition (DN)", plain words with the code in
 * brackets, and the validator accepts that, the code alone, or the words alone.
 * Written once here so the dropdowns and the reading cannot disagree.
 */
import type { Code } from './load-dictionary.js';

/** `Diet and nutrition (DN)`. */
export function codeChoice(code: Code): string {
  return `${code.label} (${code.code})`;
}

/** The code a cell means, from "DN", "dn", "Diet and nutrition" or "Diet and nutrition (DN)"; undefined if none. */
export function findCode(codes: readonly Code[], text: string): Code | undefined {
  const wanted = normalise(text);
  return codes.find(
    (code) =>
      normalise(code.code) === wanted ||
      normalise(code.label) === wanted ||
      normalise(codeChoice(code)) === wanted,
  );
}

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toUpperCase();
}
