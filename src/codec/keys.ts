// Payload keys from the environment of the worker and the CLI (never from a stream config, which Temporal shows):
//   VSTREAM_RELAY_PAYLOAD_KEY           the key that encrypts: base64 of 32 random bytes, or `file:/path` to a file
//                                       holding that base64 text (e.g. a mounted secret)
//   VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS  keys that only decrypt (rotation), comma-separated, same forms
// Generate a key with `openssl rand -base64 32`.
import fs from 'node:fs';
import { AesGcmPayloadCodec, PayloadKeyError, payloadKey, type PayloadKey } from './payload-codec.js';

export const PAYLOAD_KEY_VARIABLE = 'VSTREAM_RELAY_PAYLOAD_KEY';
export const PREVIOUS_PAYLOAD_KEYS_VARIABLE = 'VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS';

export interface PayloadKeySettings {
  VSTREAM_RELAY_PAYLOAD_KEY?: string | undefined;
  VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS?: string | undefined;
}

/** Reads one key reference: base64 text, or `file:/path` to a file holding it. Errors name the variable. */
export function readPayloadKey(
  reference: string,
  variable: string,
  readFile: (file: string) => string = (file) => fs.readFileSync(file, 'utf8'),
): PayloadKey {
  let encoded = reference.trim();
  if (encoded.startsWith('file:')) {
    const file = encoded.slice(5);
    try {
      encoded = readFile(file).trim();
    } catch (err) {
      throw new PayloadKeyError(
        `${variable}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new PayloadKeyError(`${variable}: not base64 (generate a key with \`openssl rand -base64 32\`)`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) {
    throw new PayloadKeyError(
      `${variable}: the key must be 32 bytes (AES-256), this one has ${key.length} (generate one with \`openssl rand -base64 32\`)`,
    );
  }
  return payloadKey(key);
}

/** The codec configured by the environment, or undefined when payload encryption is off. */
export function payloadCodecFromSettings(
  settings: PayloadKeySettings,
  readFile?: (file: string) => string,
): AesGcmPayloadCodec | undefined {
  const current = settings.VSTREAM_RELAY_PAYLOAD_KEY;
  const previous = (settings.VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (current === undefined || current === '') {
    if (previous.length > 0) {
      throw new PayloadKeyError(
        `${PREVIOUS_PAYLOAD_KEYS_VARIABLE} is set without ${PAYLOAD_KEY_VARIABLE}: set the current key too`,
      );
    }
    return undefined;
  }
  return new AesGcmPayloadCodec(
    readPayloadKey(current, PAYLOAD_KEY_VARIABLE, readFile),
    previous.map((ref, i) => readPayloadKey(ref, `${PREVIOUS_PAYLOAD_KEYS_VARIABLE}[${i}]`, readFile)),
  );
}
