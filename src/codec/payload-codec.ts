// Encryption of Temporal payloads (workflow input, signals, updates, queries, activity input and results,
// heartbeats, memo): AES-256-GCM with a key that lives only in the environment of the worker and the CLI, so the
// Temporal server, its database and its UI hold ciphertext. Search attributes are never encoded (the server must
// read them); failure messages stay readable (they name tables, columns and reasons, never cell values).
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import protobuf from 'protobufjs';

/** `metadata.encoding` of an encrypted payload (the convention of Temporal's encryption samples). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so keys can be rotated. */
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('vstream-relay/payload/v1');

export interface PayloadKey {
  /** Public identifier: the first 16 hex digits of SHA-256 of the key (reveals nothing usable about it). */
  id: string;
  key: Buffer;
}

export class PayloadKeyError extends Error {
  override readonly name = 'PayloadKeyError';
}

/** A key from its 32 bytes; its id is derived from it. */
export function payloadKey(key: Buffer): PayloadKey {
  if (key.length !== 32) {
    throw new PayloadKeyError(`a payload key must be 32 bytes (AES-256), got ${key.length}`);
  }
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

// temporal.api.common.v1.Payload, wire-compatible: the whole payload (metadata and data) is what gets encrypted.
const PayloadType = new protobuf.Type('Payload')
  .add(new protobuf.MapField('metadata', 1, 'string', 'bytes'))
  .add(new protobuf.Field('data', 2, 'bytes'));

function serialize(payload: Payload): Uint8Array {
  return PayloadType.encode(
    PayloadType.fromObject({ metadata: payload.metadata ?? {}, data: payload.data ?? new Uint8Array() }),
  ).finish();
}

function deserialize(bytes: Uint8Array): Payload {
  const message = PayloadType.toObject(PayloadType.decode(bytes), { defaults: true }) as {
    metadata: Record<string, Uint8Array>;
    data: Uint8Array;
  };
  return {
    metadata: Object.fromEntries(Object.entries(message.metadata).map(([k, v]) => [k, new Uint8Array(v)])),
    data: new Uint8Array(message.data),
  };
}

const text = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : undefined;

/**
 * AES-256-GCM payload codec. Encodes with `current`; decodes payloads of `current` and of any `previous` key
 * (rotation: a new key encrypts, the old one still reads the histories written before). Payloads that are not
 * encrypted (written before encryption was turned on) pass through unchanged.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(
    readonly current: PayloadKey,
    previous: readonly PayloadKey[] = [],
  ) {
    this.keys = new Map([current, ...previous].map((k) => [k.id, k.key]));
  }

  /** Ids of every key this codec can decrypt with, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(this.current.id),
          [CIPHER_METADATA]: Buffer.from(CIPHER),
        },
        data: Buffer.concat([iv, body, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '(none)';
      const key = this.keys.get(keyId);
      if (!key) {
        throw new PayloadKeyError(
          `a payload is encrypted with key ${keyId}, which is not configured here (this process has ` +
            `${this.keyIds.join(', ')}); set VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS to the old key to read it`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError('an encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new PayloadKeyError(
          `a payload encrypted with key ${keyId} failed authentication (corrupted or altered)`,
        );
      }
      return deserialize(plain);
    });
  }
}
