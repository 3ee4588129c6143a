import { renderDictionaryHtml, renderDictionaryMarkdown } from '../dictionary/describe-dictionary.js';
import { UsageError } from '../errors.js';
import type { Command } from './command.js';
import { writeOutputFile } from './output.js';
import { cliReferenceData } from './reference.js';

export const dictionaryCommand: Command = {
  usage: 'returns dictionary [--version 2025-26] [--format md|html] [--out FILE]',
  options: {
    version: { type: 'string' },
    format: { type: 'string', default: 'md' },
    out: { type: 'string' },
  },
  async run(values) {
    const format = values.format as string;
    if (format !== 'md' && format !== 'html') {
      throw new UsageError(`There is no format "${format}": choose md or html.`);
    }
    const { dictionaries } = cliReferenceData();
    const dictionary = values.version
      ? dictionaries.get(values.version as string)
      : (dictionaries.versions.at(-1) as (typeof dictionaries.versions)[number]);
    const text = format === 'md' ? renderDictionaryMarkdown(dictionary) : renderDictionaryHtml(dictionary);
    if (values.out) {
      const written = await writeOutputFile(values.out as string, text);
      process.stderr.write(`Wrote the ${dictionary.version} data dictionary to ${written}\n`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  },
};
