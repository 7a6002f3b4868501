import { loadConfigFile } from '../config-file.js';
import type { CliIo } from '../io.js';

/** Validates a config file and prints it with every default filled in: what the workflow will run with. */
export async function validateConfigFile(io: CliIo, file: string): Promise<void> {
  const { config } = await loadConfigFile(file, io.cwd);
  io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
}
