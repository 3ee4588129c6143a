// Stands in for the `yaml` package in the CLI bundle (bin/returns.js): a run
// whose reference files are already checked never parses YAML, so the parser is
// loaded, from node_modules, only when a file must be read.
import { createRequire } from 'node:module';

let yaml;
export function parseDocument(...args) {
  yaml ??= createRequire(import.meta.url)('yaml');
  return yaml.parseDocument(...args);
}
