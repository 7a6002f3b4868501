// `vstream-relay codec-server`: the payload codec over HTTP for the Temporal Web UI and the temporal CLI.
import { payloadCodecFromSettings } from '../../codec/keys.js';
import { startCodecServer } from '../../codec/codec-server.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

/** Serves until `io.signal` aborts (SIGINT/SIGTERM in the real CLI). */
export async function runCodecServerCommand(
  io: CliIo,
  options: { port: number; host: string; corsOrigins: string[] },
): Promise<void> {
  const codec = payloadCodecFromSettings(io.env);
  if (codec === undefined) {
    throw new UsageError(
      'VSTREAM_RELAY_PAYLOAD_KEY is not set: the codec server needs the payload key the workers use',
    );
  }
  const token = io.env.VSTREAM_RELAY_CODEC_TOKEN || undefined;
  const server = await startCodecServer({ codec, ...options, token });
  io.stdout.write(
    `codec server listening on ${server.url}${token ? ' (bearer token required)' : ''}; ` +
      `set it as the Temporal UI's Codec Server endpoint, or pass --codec-endpoint ${server.url} to temporal\n`,
  );
  const signal = io.signal ?? shutdownSignal();
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
}

function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => controller.abort());
  return controller.signal;
}
