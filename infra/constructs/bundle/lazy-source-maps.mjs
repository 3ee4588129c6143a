/**
 * Injected into every Lambda bundle: stack traces point at the TypeScript
 * sources, paid for only when a stack is read (an error being logged), not at
 * every cold start as --enable-source-maps does (it parses the whole map as the
 * bundle loads). The map is index.mjs.map beside the bundle.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundleUrl = import.meta.url;
const bundleFile = fileURLToPath(bundleUrl);
/** undefined: not read yet; null: there is none (or it cannot be read), so frames stay as they are. */
let map;

function sourceMap() {
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')));
    } catch {
      map = null;
    }
  }
  return map;
}

function describeFrame(frame) {
  const file = frame.getFileName();
  if (file === bundleUrl || file === bundleFile) {
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    const entry = line && column ? sourceMap()?.findEntry(line - 1, column - 1) : undefined;
    if (entry?.originalSource) {
      // The map's sources are relative to where the bundle was built: show them from the repository root.
      const source = entry.originalSource.replace(/^(?:.*\/)?(?=(?:functions|node_modules|infra)\/)/, '');
      const where = `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      const name = frame.getFunctionName();
      return `    at ${frame.isAsync() ? 'async ' : ''}${name ? `${name} (${where})` : where}`;
    }
  }
  return `    at ${frame}`;
}

Error.prepareStackTrace = (error, frames) => {
  let head;
  try {
    head = String(error);
  } catch {
    head = 'Error';
  }
  return frames.length ? `${head}\n${frames.map(describeFrame).join('\n')}` : head;
};
