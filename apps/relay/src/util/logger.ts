/**
 * Structured one-line JSON logs on stderr, written by pino: `{"level":"info","t":"<ISO>","msg":…}`.
 * Every line also goes to {@link logTail} (the dashboard's live tail). Never pass a secret (stream
 * key) in `fields`. String fields are cut at {@link MAX_FIELD_CHARS}: some come from clients.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { logTail, type TailLevel } from './log-tail.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Longest string field value written; longer ones end in "…" (client-supplied text). */
export const MAX_FIELD_CHARS = 500;

function clip(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return fields;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && v.length > MAX_FIELD_CHARS) {
      out ??= { ...fields };
      out[k] = `${v.slice(0, MAX_FIELD_CHARS)}…`;
    }
  }
  return out ?? fields;
}

const LEVEL_AT_START = /^\{"level":"(debug|info|warn|error)"/;

function wrap(p: PinoLogger): Logger {
  const emit = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    const f = clip(fields);
    if (f) p[lvl](f, msg);
    else p[lvl](msg);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (fields) => wrap(p.child(clip(fields) ?? {})) };
}

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}, write: (line: string) => void = (line) => void process.stderr.write(line + '\n')): Logger {
  const root = pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
      },
    },
    {
      write(chunk: string) {
        const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
        write(line);
        // The level is the first field of every line (formatters.level above).
        const level = (LEVEL_AT_START.exec(line)?.[1] ?? 'info') as TailLevel;
        logTail.push(line, level);
      },
    },
  );
  return wrap(Object.keys(base).length ? root.child(base) : root);
}
