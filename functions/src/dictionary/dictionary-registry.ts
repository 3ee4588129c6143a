/**
 * Every dictionary version the product knows. A return is checked and
 * aggregated with the version it was made with (recorded in its workbook), so
 * old returns keep their meaning when next year's definitions change.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReferenceDataError, UsageError } from '../errors.js';
import { comparePeriods, formatPeriod, type Period } from '../programme/periods.js';
import { type Dictionary, loadDictionary } from './load-dictionary.js';

export class DictionaryRegistry {
  private readonly byVersion: Map<string, Dictionary>;
  /** Oldest first. */
  readonly versions: readonly Dictionary[];

  constructor(dictionaries: readonly Dictionary[]) {
    this.versions = [...dictionaries].sort((a, b) => comparePeriods(a.appliesFrom, b.appliesFrom));
    this.byVersion = new Map(this.versions.map((dictionary) => [dictionary.version, dictionary]));
  }

  /** Loads every `*.yaml` in the folders; each file is named after the version it holds. */
  static load(folders: readonly string[]): DictionaryRegistry {
    const dictionaries: Dictionary[] = [];
    for (const folder of folders) {
      for (const name of readdirSync(folder)
        .filter((file) => file.endsWith('.yaml'))
        .sort()) {
        const file = join(folder, name);
        const dictionary = loadDictionary(file);
        if (`${dictionary.version}.yaml` !== name) {
          throw new ReferenceDataError(file, [
            `version: the file holds version ${dictionary.version}, so it should be named ${dictionary.version}.yaml`,
          ]);
        }
        if (dictionaries.some((other) => other.version === dictionary.version)) {
          throw new ReferenceDataError(file, [`version: ${dictionary.version} is defined twice`]);
        }
        dictionaries.push(dictionary);
      }
    }
    return new DictionaryRegistry(dictionaries);
  }

  find(version: string): Dictionary | undefined {
    return this.byVersion.get(version);
  }

  get(version: string): Dictionary {
    const dictionary = this.find(version);
    if (!dictionary) {
      throw new UsageError(
        `There is no dictionary version "${version}". The versions are ${this.describeVersions()}.`,
      );
    }
    return dictionary;
  }

  /** The version in force for a quarter: the latest that applies from it or earlier. */
  forPeriod(period: Period): Dictionary {
    const applicable = this.versions.filter(
      (dictionary) => comparePeriods(dictionary.appliesFrom, period) <= 0,
    );
    const dictionary = applicable.at(-1);
    if (!dictionary) {
      throw new UsageError(
        `No dictionary version applies to ${formatPeriod(period)}: the earliest starts in ${formatPeriod((this.versions[0] as Dictionary).appliesFrom)}.`,
      );
    }
    return dictionary;
  }

  describeVersions(): string {
    return this.versions.map((dictionary) => dictionary.version).join(', ');
  }
}
