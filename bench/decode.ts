// bench/decode: VStream responses → typed row changes, against plain protobufjs decoding of the same bytes.
// Baseline: a protobufjs root loaded from the same .proto files with its stock decoders (what a client gets
// from protobufjs alone: messages with Long lengths, no typed values). Ours: decode + assemble + type every cell.
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { EventAssembler } from '../src/vstream/assembler.js';
import type { StreamItem } from '../src/vstream/events.js';
import { decodeVStreamResponse, encodeVStreamResponse, type VEventInit } from '../src/vstream/proto.js';
import { at, gtid, int, pkBigint, varchar, vgtidEvent } from '../test/support/vevents.js';
import { type BenchResult, measure } from './measure.js';

const ROWS_PER_TXN = 100;

function mixedFields() {
  return [
    pkBigint(),
    varchar('email', 120),
    int('quantity'),
    { name: 'price', type: 18, charset: 63, decimals: 2, columnType: 'decimal(12,2)' },
    { name: 'created_at', type: 2064, charset: 63, decimals: 6, columnType: 'datetime(6)' },
    { name: 'status', type: 2074, charset: 255, columnType: "enum('new','paid','shipped')" },
    { name: 'score', type: 1036, charset: 63, columnType: 'double' },
    { name: 'note', type: 6163, charset: 255, columnType: 'text' },
    { name: 'flags', type: 778, charset: 63, flags: 32, columnType: 'bigint unsigned' },
    { name: 'payload', type: 2078, charset: 63, columnType: 'json' },
  ];
}

function row(i: number): string[] {
  return [
    String(i),
    `user${i}@example.com`,
    String(i % 100),
    `${i % 1000}.${String(i % 100).padStart(2, '0')}`,
    `2024-05-0${(i % 9) + 1} 12:34:56.${String(i % 1000000).padStart(6, '0')}`,
    ['new', 'paid', 'shipped'][i % 3]!,
    `${(i / 7).toExponential(6).toUpperCase()}`,
    `note for order ${i} with some text`,
    String(18446744073709551615n - BigInt(i)),
    `{"sku":"A-${i}","qty":${i % 10},"big":12345678901234567890}`,
  ];
}

/** One response per transaction, as vtgate sends them: BEGIN, (FIELD once), ROW, VGTID, COMMIT. */
export function buildResponses(transactions: number): Buffer[] {
  const ks = at('commerce', '0');
  const responses: Buffer[] = [];
  let id = 0;
  for (let t = 0; t < transactions; t++) {
    const events: VEventInit[] = [ks.begin()];
    if (t === 0) events.push(ks.field('orders', mixedFields()));
    const rows = Array.from({ length: ROWS_PER_TXN }, () => row(id++));
    events.push(ks.insert('orders', ...rows));
    events.push(vgtidEvent([{ keyspace: 'commerce', shard: '0', gtid: gtid(t + 1) }]), ks.commit());
    responses.push(encodeVStreamResponse({ events }));
  }
  return responses;
}

export async function benchDecode(transactions: number): Promise<BenchResult> {
  const responses = buildResponses(transactions);
  const rowChanges = transactions * ROWS_PER_TXN;
  const stockRoot = new protobuf.Root();
  stockRoot.resolvePath = (_origin, target) => fileURLToPath(new URL(`../proto/${target}`, import.meta.url));
  stockRoot.loadSync(['vtgate.proto']);
  const StockResponse = stockRoot.lookupType('vtgate.VStreamResponse');

  const baseline = await measure(() => {
    let n = 0;
    for (const bytes of responses)
      n += (StockResponse.decode(bytes) as unknown as { events: unknown[] }).events.length;
    return n;
  });
  const ours = await measure(() => {
    const assembler = new EventAssembler();
    const out: StreamItem[] = [];
    let n = 0;
    for (const bytes of responses) {
      for (const event of decodeVStreamResponse(bytes).events) assembler.push(event, out);
      for (const item of out) if (item.kind === 'rows') n += item.changes.length;
      out.length = 0;
    }
    if (n !== rowChanges) throw new Error(`decoded ${n} row changes, expected ${rowChanges}`);
    return n;
  });
  const ourRate = rowChanges / ours.seconds;
  const baseRate = rowChanges / baseline.seconds;
  const ratio = ourRate / baseRate;
  return {
    target: { goal: `≥ 0.5× raw decode (${ratio.toFixed(3)}×)`, met: ratio >= 0.5 },
    name: 'decode',
    value: ourRate,
    unit: 'row changes/s',
    ratio,
    baseline: `raw protobufjs decode of the same bytes: ${Math.round(baseRate).toLocaleString('en-US')} row changes/s`,
    detail: `${rowChanges.toLocaleString('en-US')} row changes of 10 mixed columns in 100-row transactions, best of ${ours.runs} runs`,
  };
}
