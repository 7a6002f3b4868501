// Reading a stream config file (JSON or YAML) and validating it the way the workflow will.
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { StreamConfigError, parseStreamConfig, type StreamConfig } from '../config/stream-config.js';
import { UsageError } from './errors.js';

/** A config file that cannot be read, parsed or validated; `problems` are the lines to print. */
export class ConfigFileError extends UsageError {
  override readonly name: string = 'ConfigFileError';
  constructor(
    readonly file: string,
    readonly headline: string,
    readonly problems: string[],
  ) {
    super([headline, ...problems.map((p) => `  ${p}`)].join('\n'));
  }
}

export interface LoadedConfig {
  file: string;
  /** The config as the user wrote it: what the workflow receives, so defaults stay the workflow's choice. */
  raw: unknown;
  /** The same config validated, with every default filled in. */
  config: StreamConfig;
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, col: before.length - before.lastIndexOf('\n') };
}

type Position = { line: number; col: number } | undefined;

function syntaxError(
  file: string,
  format: 'JSON' | 'YAML',
  where: Position,
  message: string,
): ConfigFileError {
  const location = where ? `${file}:${where.line}:${where.col}` : file;
  return new ConfigFileError(file, `${file}: not valid ${format}`, [`${location}: ${message}`]);
}

/** The YAML parser in JSON mode: it locates what JSON.parse does not, and notices duplicate keys. */
function jsonProblems(text: string): YAML.YAMLError[] {
  return YAML.parseDocument(text, { schema: 'json', uniqueKeys: true }).errors;
}

function positionOf(error: YAML.YAMLError | undefined): Position {
  const pos = error?.linePos?.[0];
  return pos && { line: pos.line, col: pos.col };
}

/** The first line of a `yaml` error, without its " at line L, column C:" suffix (we print the location first). */
function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function parseYaml(text: string, file: string): unknown {
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const error = doc.errors[0];
  if (error) throw syntaxError(file, 'YAML', positionOf(error), yamlMessage(error.message));
  return doc.toJS();
}

/**
 * Strict JSON. Node's JSON.parse messages may quote the input (which may hold secrets) and do not always give a
 * position, so the quote is cut and the location comes from "at position N" or, failing that, the YAML parser.
 */
function parseJson(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = /at position (\d+)/.exec(message)?.[1];
    const where =
      offset !== undefined ? lineAndColumn(text, Number(offset)) : positionOf(jsonProblems(text)[0]);
    const cleaned = message
      .replace(/^(Unexpected token '.*?'),.*$/s, '$1')
      .replace(/ (?:in JSON )?at position \d+.*$/s, '');
    throw syntaxError(file, 'JSON', where, cleaned);
  }
  // JSON.parse keeps the last of two equal keys without a word; in a config that is always a mistake.
  const duplicate = jsonProblems(text).find((e) => e.code === 'DUPLICATE_KEY');
  if (duplicate) throw syntaxError(file, 'JSON', positionOf(duplicate), 'duplicate key');
  return value;
}

/** Parses config text: `.json` as strict JSON, anything else as YAML (which also reads JSON). */
export function parseConfigText(text: string, file: string): unknown {
  if (text.trim() === '') throw new ConfigFileError(file, `${file}: the file is empty`, []);
  return path.extname(file).toLowerCase() === '.json' ? parseJson(text, file) : parseYaml(text, file);
}

/** `Unrecognized key(s): "a", "b"` on `source.vtgate` → `source.vtgate.a: unknown field`, one per key. */
function describeProblem(problem: { field: string; message: string }): string[] {
  const unknown = /^Unrecognized keys?: (.+)$/.exec(problem.message);
  if (!unknown) return [`${problem.field}: ${problem.message}`];
  const keys = [...unknown[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  if (keys.length === 0) return [`${problem.field}: ${problem.message}`];
  return keys.map((key) => `${problem.field === '(root)' ? key : `${problem.field}.${key}`}: unknown field`);
}

/** Validates a parsed config with the workflow's own schema; every problem names its field. */
export function validateConfig(raw: unknown, file: string): StreamConfig {
  try {
    return parseStreamConfig(raw);
  } catch (err) {
    if (!(err instanceof StreamConfigError)) throw err;
    throw new ConfigFileError(file, `${file}: invalid stream config`, err.problems.flatMap(describeProblem));
  }
}

/** Reads, parses and validates a stream config file (relative paths resolve against `cwd`). */
export async function loadConfigFile(file: string, cwd: string = process.cwd()): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await fs.readFile(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new ConfigFileError(file, `${file}: cannot read the config file: ${reason}`, []);
  }
  const raw = parseConfigText(text, file);
  return { file, raw, config: validateConfig(raw, file) };
}
