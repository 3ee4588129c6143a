/** The Log port as one JSON object a line: what CloudWatch Logs Insights and a terminal both read. */
import type { Log } from '../submissions/ports.js';

export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Log {
  const emit =
    (level: string) =>
    (message: string, detail: Record<string, unknown> = {}) =>
      write(JSON.stringify({ level, message, time: new Date().toISOString(), ...detail }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
