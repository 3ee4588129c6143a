/**
 * England benchmarks: the comparators for the programme's indicators, from
 * templates/benchmarks/england.yaml. Checked at load: an indicator no
 * dictionary defines, or a value that is not a proportion, is refused with
 * every problem listed.
 */
import * as z from 'zod';
import { ReferenceDataError } from '../errors.js';
import { parseYear } from './periods.js';
import { checkWithSchema, readYamlFile } from './reference-file.js';

const yearText = z
  .string()
  .refine((text) => 'startYear' in parseYear(text), 'should be a financial year like 2025-26');

const benchmarkSchema = z.strictObject({
  indicator: z.string().min(1),
  /** The programme year whose summaries use this value (and later years, until a newer one). */
  year: yearText,
  value: z
    .number()
    .min(0, 'should be a proportion from 0 to 1')
    .max(1, 'should be a proportion from 0 to 1 (52.7% is 0.527)'),
  covers: z.string().min(1),
  source: z.string().min(1),
  secondary: z.boolean().default(false),
});

const fileSchema = z.strictObject({ benchmarks: z.array(benchmarkSchema) });

export type Benchmark = z.infer<typeof benchmarkSchema>;

export class Benchmarks {
  constructor(readonly entries: readonly Benchmark[]) {}

  /** `knownIndicators`: every indicator some dictionary defines (this folder sits below the dictionary). */
  static load(file: string, knownIndicators: ReadonlySet<string>): Benchmarks {
    const known = knownIndicators;
    const parsed = checkWithSchema(file, fileSchema, readYamlFile(file), (data) =>
      data.benchmarks.flatMap((entry, index) =>
        known.has(entry.indicator)
          ? []
          : [
              `benchmarks[${index}].indicator: no dictionary defines the indicator ${entry.indicator} (they define ${[...known].join(', ')})`,
            ],
      ),
    );
    const seen = new Set<string>();
    const duplicates = parsed.benchmarks.flatMap((entry, index) => {
      const key = `${entry.indicator} ${entry.year}`;
      if (seen.has(key)) return [`benchmarks[${index}]: ${entry.indicator} has two values for ${entry.year}`];
      seen.add(key);
      return [];
    });
    if (duplicates.length > 0) throw new ReferenceDataError(file, duplicates);
    return new Benchmarks(parsed.benchmarks);
  }

  /** The benchmark in force for an indicator in a programme year: the latest given for that year or before. */
  for(indicator: string, startYear: number): Benchmark | undefined {
    return this.entries
      .filter(
        (entry) =>
          entry.indicator === indicator &&
          (parseYear(entry.year) as { startYear: number }).startYear <= startYear,
      )
      .sort((a, b) => b.year.localeCompare(a.year))[0];
  }
}
