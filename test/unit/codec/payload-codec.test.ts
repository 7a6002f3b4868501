// The payload codec on its own: AES-256-GCM round trips through Temporal's own data converter, nothing in clear,
// key ids for rotation, tampering and unknown keys refused with a clear message, and the key settings.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  encodeToPayloads,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow/index.js';
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadKeyError,
  dataConverterFromSettings,
  payloadCodecFromSettings,
  payloadKey,
  readPayloadKey,
} from '../../../src/codec/index.js';

const SECRET_VALUE = { email: 'ana@example.com', note: 'row data that must not be readable' };
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const newKey = () => payloadKey(randomBytes(32));

describe('AesGcmPayloadCodec', () => {
  test('round trip through a DataConverter; the encoded payload holds no cleartext', async () => {
    const key = newKey();
    const converter = loadDataConverter({ payloadCodecs: [new AesGcmPayloadCodec(key)] });
    const payload = (await encodeToPayloads(converter, SECRET_VALUE))?.[0];
    expect(text(payload!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(payload!.metadata![KEY_ID_METADATA])).toBe(key.id);
    expect(text(payload!.data)).not.toContain('ana@example.com');
    expect(JSON.stringify(payload)).not.toContain('json/plain');
    expect(await decodeFromPayloadsAtIndex(converter, 0, [payload!])).toEqual(SECRET_VALUE);
  });

  test('a fresh IV per payload: the same value never encrypts the same way', async () => {
    const codec = new AesGcmPayloadCodec(newKey());
    const plain = defaultPayloadConverter.toPayload(SECRET_VALUE);
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(await codec.decode([a!, b!])).toEqual([plain, plain].map((p) => ({ ...p, data: p.data })));
  });

  test('metadata and empty payloads survive (null is a payload with metadata only)', async () => {
    const codec = new AesGcmPayloadCodec(newKey());
    const payloads: Payload[] = [
      defaultPayloadConverter.toPayload(null),
      defaultPayloadConverter.toPayload(undefined),
      {
        metadata: { encoding: Buffer.from('binary/plain'), extra: Buffer.from([0, 1, 2]) },
        data: Buffer.alloc(0),
      },
    ];
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map((p) => ({ metadata: p.metadata, data: Buffer.from(p.data ?? []) }))).toEqual(
      payloads.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, new Uint8Array(v!)])),
        data: Buffer.from(p.data ?? []),
      })),
    );
  });

  test('key rotation: the new key encrypts, the previous one still decrypts; a missing key is named', async () => {
    const oldKey = newKey();
    const fresh = newKey();
    const [written] = await new AesGcmPayloadCodec(oldKey).encode([
      defaultPayloadConverter.toPayload(SECRET_VALUE),
    ]);
    const rotated = new AesGcmPayloadCodec(fresh, [oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([written!]))[0]!)).toEqual(SECRET_VALUE);
    const [reencoded] = await rotated.encode([defaultPayloadConverter.toPayload(1)]);
    expect(text(reencoded!.metadata![KEY_ID_METADATA])).toBe(fresh.id);
    const withoutOld = new AesGcmPayloadCodec(fresh);
    await expect(withoutOld.decode([written!])).rejects.toThrowError(
      new RegExp(
        `encrypted with key ${oldKey.id}, which is not configured here.*VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS`,
      ),
    );
  });

  test('tampered or truncated ciphertext is refused, not returned', async () => {
    const codec = new AesGcmPayloadCodec(newKey());
    const [payload] = await codec.encode([defaultPayloadConverter.toPayload(SECRET_VALUE)]);
    const flipped = Buffer.from(payload!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...payload, data: flipped }])).rejects.toThrowError(/failed authentication/);
    await expect(codec.decode([{ ...payload, data: Buffer.alloc(10) }])).rejects.toThrowError(/truncated/);
    await expect(codec.decode([{ ...payload, data: flipped }])).rejects.toBeInstanceOf(PayloadKeyError);
  });

  test('payloads written before encryption was turned on pass through', async () => {
    const codec = new AesGcmPayloadCodec(newKey());
    const plain = defaultPayloadConverter.toPayload(SECRET_VALUE);
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('payload key settings', () => {
  const base64 = randomBytes(32).toString('base64');

  test('no key: encryption off; a key: on, with previous keys for decryption', () => {
    expect(payloadCodecFromSettings({})).toBeUndefined();
    expect(dataConverterFromSettings({})).toBeUndefined();
    const previous = randomBytes(32).toString('base64');
    const codec = payloadCodecFromSettings({
      VSTREAM_RELAY_PAYLOAD_KEY: base64,
      VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS: ` ${previous} ,`,
    })!;
    expect(codec.keyIds).toEqual([
      payloadKey(Buffer.from(base64, 'base64')).id,
      payloadKey(Buffer.from(previous, 'base64')).id,
    ]);
    expect(dataConverterFromSettings({ VSTREAM_RELAY_PAYLOAD_KEY: base64 })?.payloadCodecs).toHaveLength(1);
  });

  test('file: references are read (trailing newline ignored); errors name the variable, never the key', () => {
    const files: Record<string, string> = { '/run/secrets/key': `${base64}\n` };
    const read = (file: string) => {
      const content = files[file];
      if (content === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return content;
    };
    expect(
      readPayloadKey('file:/run/secrets/key', 'VSTREAM_RELAY_PAYLOAD_KEY', read).key.toString('base64'),
    ).toBe(base64);
    expect(() => readPayloadKey('file:/missing', 'VSTREAM_RELAY_PAYLOAD_KEY', read)).toThrowError(
      'VSTREAM_RELAY_PAYLOAD_KEY: cannot read /missing: ENOENT',
    );
    const short = randomBytes(16).toString('base64');
    expect(() => readPayloadKey(short, 'VSTREAM_RELAY_PAYLOAD_KEY')).toThrowError(
      /VSTREAM_RELAY_PAYLOAD_KEY: the key must be 32 bytes \(AES-256\), this one has 16/,
    );
    let message = '';
    try {
      readPayloadKey('not base64 at all!', 'VSTREAM_RELAY_PAYLOAD_KEY');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^VSTREAM_RELAY_PAYLOAD_KEY: not base64/);
    expect(message).not.toContain('not base64 at all!');
    expect(() =>
      payloadCodecFromSettings({
        VSTREAM_RELAY_PAYLOAD_KEY: base64,
        VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS: 'xx',
      }),
    ).toThrowError(/VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS\[0\]: the key must be 32 bytes/);
    expect(() => payloadCodecFromSettings({ VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS: base64 })).toThrowError(
      /VSTREAM_RELAY_PAYLOAD_KEY_PREVIOUS is set without VSTREAM_RELAY_PAYLOAD_KEY/,
    );
  });
});
