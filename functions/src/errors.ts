/**
 * Failures, as opposed to findings. A workbook full of mistakes is a successful
 * run that produces a report; these are for when the run itself cannot go on.
 *
 * `expose` marks a message as written for the person using the product (a
 * mistake of theirs, said plainly); anything else is an internal fault and is
 * logged, never shown.
 */
export class ReturnsError extends Error {
  readonly expose: boolean;
  constructor(message: string, options: { cause?: unknown; expose?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.expose = options.expose ?? false;
  }
}

/** A mistake in how a command was called: unknown site, impossible period, bad path. */
export class UsageError extends ReturnsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, expose: true });
  }
}

/** A dictionary (or other reference file) that cannot be used; lists every problem found. */
export class ReferenceDataError extends ReturnsError {
  readonly problems: readonly string[];
  constructor(
    readonly file: string,
    problems: readonly string[],
  ) {
    super(
      `${file} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}`,
      { expose: true },
    );
    this.problems = problems;
  }
}
