import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { pino, type Logger as PinoLogger } from 'pino';

/** One JSON line per event on stdout: what log shippers expect from a service. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): PinoLogger {
  return pino({ level, base: { service: 'vstream-relay' }, timestamp: pino.stdTimeFunctions.isoTime });
}

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Routes the Temporal SDK's logs (worker, activity and replay-safe workflow logs) into the same JSON stream. */
export class TemporalPinoLogger implements Logger {
  constructor(private readonly logger: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.logger[pinoLevel[level]](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
