// Optional encryption of Temporal payloads; the worker and the CLI build the same DataConverter from their
// environment (see keys.ts), so both can read what the other wrote.
import type { DataConverter } from '@temporalio/common';
import { payloadCodecFromSettings, type PayloadKeySettings } from './keys.js';

export {
  AesGcmPayloadCodec,
  CIPHER_METADATA,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadKeyError,
  payloadKey,
  type PayloadKey,
} from './payload-codec.js';
export {
  PAYLOAD_KEY_VARIABLE,
  PREVIOUS_PAYLOAD_KEYS_VARIABLE,
  payloadCodecFromSettings,
  readPayloadKey,
  type PayloadKeySettings,
} from './keys.js';

/** The DataConverter for the settings: encrypting payloads when a key is configured, Temporal's default otherwise. */
export function dataConverterFromSettings(settings: PayloadKeySettings): DataConverter | undefined {
  const codec = payloadCodecFromSettings(settings);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
