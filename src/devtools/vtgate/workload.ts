// A deterministic e-commerce workload for the test vtgate (benchmarks and the demo): customers,
// products and orders with a spread of MySQL types, driven at a steady rate of mixed
// insert/update/delete transactions. The sequence of transactions depends only on the seed; only
// their timing follows the clock. Every run is bounded by a transaction count and/or a duration.
import type { KeyspaceDef, TxnOp } from './cluster.js';
import type { TableDef } from './schema.js';

export const WORKLOAD_TABLES: TableDef[] = [
  {
    name: 'customers',
    columns: [
      'id bigint unsigned primary key',
      'email varchar(255) not null unique',
      'name varchar(100) not null',
      "tier enum('free','pro','enterprise') not null default 'free'",
      'balance decimal(12,2) not null default 0.00',
      "flags set('vip','beta','newsletter') not null default ''",
      'profile json null',
      'created_at datetime(6) not null',
      'last_seen timestamp(3) null',
      'active tinyint(1) not null default 1',
    ],
  },
  {
    name: 'products',
    columns: [
      'id int unsigned primary key',
      'sku char(12) not null unique',
      'title varchar(200) not null',
      'price decimal(10,2) not null',
      'weight_kg float null',
      'rating double null',
      'stock mediumint not null default 0',
      'released date null',
      'attrs bit(8) not null default 0',
      'thumbnail varbinary(64) null',
    ],
  },
  {
    name: 'orders',
    columns: [
      'id bigint unsigned primary key',
      'customer_id bigint unsigned not null',
      'product_id int unsigned not null',
      'quantity smallint unsigned not null',
      'total decimal(14,2) not null',
      "status enum('new','paid','shipped','delivered','cancelled') not null",
      'placed_at datetime(3) not null',
      'delivery_window time null',
      'ref binary(16) not null',
      'note text null',
    ],
    // Orders live on their customer's shard.
    shardKey: ['customer_id'],
  },
];

/** A keyspace with the workload's tables. */
export function workloadKeyspace(name = 'commerce', shards: string[] = ['-80', '80-']): KeyspaceDef {
  return { name, shards, tables: WORKLOAD_TABLES.map((t) => ({ ...t, columns: [...t.columns] })) };
}

/** Small, fast, deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WorkloadMix {
  insert: number;
  update: number;
  delete: number;
}

export interface WorkloadGeneratorOptions {
  seed?: number;
  keyspace?: string;
  /** Relative weights of the operation kinds (default 60/30/10). */
  mix?: WorkloadMix;
  /** Operations per transaction, inclusive range (default 1-4). */
  opsPerTransaction?: { min: number; max: number };
}

const FIRST_NAMES = [
  'Ann',
  'Bo',
  'Zoë',
  'Jürgen',
  'José',
  'Chloé',
  '王芳',
  'Ola',
  'Ngozi',
  'Søren',
  'Priya',
  'Mateus',
];
const LAST_NAMES = ['Smith', "O'Brien", 'Müller', 'García', 'Nakamura', 'Kowalski', 'Ødegaard', 'Dubois'];
const WORDS = [
  'lamp',
  'chair',
  'kettle',
  'desk',
  'mug',
  'cable',
  'sofa',
  'rug',
  'shelf',
  'clock',
  'vase',
  'fan',
];
const TIERS = ['free', 'pro', 'enterprise'];
const STATUSES = ['new', 'paid', 'shipped', 'delivered', 'cancelled'];
const BASE_TIME = Date.UTC(2024, 0, 1);

/** Produces the workload's transactions one by one; pure and deterministic for a seed. */
export class WorkloadGenerator {
  private readonly random: () => number;
  private readonly keyspace: string;
  private readonly mix: WorkloadMix;
  private readonly ops: { min: number; max: number };
  private readonly customers: bigint[] = [];
  private readonly products: number[] = [];
  private readonly orders: { id: bigint; customer: bigint }[] = [];
  private readonly ordersPerCustomer = new Map<bigint, number>();
  private nextCustomer = 1n;
  private nextProduct = 1;
  private nextOrder = 1n;
  private tick = 0;

  constructor(options: WorkloadGeneratorOptions = {}) {
    this.random = mulberry32(options.seed ?? 1);
    this.keyspace = options.keyspace ?? 'commerce';
    this.mix = options.mix ?? { insert: 60, update: 30, delete: 10 };
    this.ops = options.opsPerTransaction ?? { min: 1, max: 4 };
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  private money(max: number): string {
    return (this.int(0, max * 100) / 100).toFixed(2);
  }

  private time(stepMs: number): Date {
    return new Date(BASE_TIME + this.tick * stepMs + this.int(0, 999));
  }

  private bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
  }

  nextTransaction(): TxnOp[] {
    this.tick++;
    const n = this.int(this.ops.min, this.ops.max);
    const out: TxnOp[] = [];
    for (let i = 0; i < n; i++) out.push(this.nextOp());
    return out;
  }

  private nextOp(): TxnOp {
    // Seed the catalogue before anything else can be picked from it.
    if (this.products.length < 5) return this.insertProduct();
    if (this.customers.length < 5) return this.insertCustomer();
    const total = this.mix.insert + this.mix.update + this.mix.delete;
    const r = this.random() * total;
    if (r < this.mix.insert) {
      const t = this.random();
      return t < 0.3 ? this.insertCustomer() : t < 0.4 ? this.insertProduct() : this.insertOrder();
    }
    if (r < this.mix.insert + this.mix.update) {
      const t = this.random();
      return t < 0.35 ? this.updateCustomer() : t < 0.55 ? this.updateProduct() : this.updateOrder();
    }
    return this.deleteOne();
  }

  private insertCustomer(): TxnOp {
    const id = this.nextCustomer++;
    this.customers.push(id);
    const first = this.pick(FIRST_NAMES);
    const flags = ['vip', 'beta', 'newsletter'].filter(() => this.random() < 0.3);
    return {
      op: 'insert',
      table: 'customers',
      keyspace: this.keyspace,
      rows: {
        id,
        email: `${
          first
            .toLowerCase()
            .normalize('NFD')
            .replace(/[^a-z]/g, '') || 'user'
        }.${id}@example.com`,
        name: `${first} ${this.pick(LAST_NAMES)}`,
        tier: this.pick(TIERS),
        balance: this.money(5000),
        flags,
        profile:
          this.random() < 0.5 ? { newsletter: flags.includes('newsletter'), score: this.int(0, 100) } : null,
        created_at: this.time(1000),
        last_seen: this.random() < 0.7 ? this.time(1000) : null,
        active: this.random() < 0.9 ? 1 : 0,
      },
    };
  }

  private insertProduct(): TxnOp {
    const id = this.nextProduct++;
    this.products.push(id);
    return {
      op: 'insert',
      table: 'products',
      keyspace: this.keyspace,
      rows: {
        id,
        sku: `SKU-${String(id).padStart(8, '0')}`,
        title: `${this.pick(WORDS)} ${this.pick(WORDS)} #${id}`,
        price: this.money(999),
        weight_kg: this.random() < 0.8 ? this.int(1, 50_000) / 1000 : null,
        rating: this.random() < 0.6 ? this.int(0, 50) / 10 + this.random() / 100 : null,
        stock: this.int(0, 10_000),
        released:
          this.random() < 0.9
            ? this.time(86_400_000 / 50)
                .toISOString()
                .slice(0, 10)
            : null,
        attrs: this.int(0, 255),
        thumbnail: this.random() < 0.5 ? this.bytes(this.int(8, 64)) : null,
      },
    };
  }

  private insertOrder(): TxnOp {
    const id = this.nextOrder++;
    const customer = this.pick(this.customers);
    this.orders.push({ id, customer });
    this.ordersPerCustomer.set(customer, (this.ordersPerCustomer.get(customer) ?? 0) + 1);
    const quantity = this.int(1, 5);
    return {
      op: 'insert',
      table: 'orders',
      keyspace: this.keyspace,
      rows: {
        id,
        customer_id: customer,
        product_id: this.pick(this.products),
        quantity,
        total: this.money(500 * quantity),
        status: 'new',
        placed_at: this.time(1000),
        delivery_window: this.random() < 0.5 ? `${String(this.int(8, 17)).padStart(2, '0')}:00:00` : null,
        ref: this.bytes(16),
        note: this.random() < 0.2 ? `please ring ${this.int(1, 3)} times` : null,
      },
    };
  }

  private updateCustomer(): TxnOp {
    const id = this.pick(this.customers);
    const set =
      this.random() < 0.5
        ? { balance: this.money(5000), last_seen: this.time(1000) }
        : { tier: this.pick(TIERS), flags: ['vip', 'beta', 'newsletter'].filter(() => this.random() < 0.4) };
    return { op: 'update', table: 'customers', keyspace: this.keyspace, where: { id }, set };
  }

  private updateProduct(): TxnOp {
    const id = this.pick(this.products);
    const set =
      this.random() < 0.5
        ? { price: this.money(999) }
        : { stock: this.int(0, 10_000), rating: this.int(0, 50) / 10 };
    return { op: 'update', table: 'products', keyspace: this.keyspace, where: { id }, set };
  }

  private updateOrder(): TxnOp {
    if (this.orders.length === 0) return this.insertOrder();
    const order = this.pick(this.orders);
    return {
      op: 'update',
      table: 'orders',
      keyspace: this.keyspace,
      where: { id: order.id },
      set: { status: this.pick(STATUSES), note: this.random() < 0.3 ? `updated at tick ${this.tick}` : null },
    };
  }

  private deleteOne(): TxnOp {
    // Customers go only once they have no orders left (the model has no foreign keys to cascade);
    // a few random candidates keep this O(1).
    if (this.customers.length > 5 && this.random() < 0.2) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const index = Math.floor(this.random() * this.customers.length);
        const id = this.customers[index]!;
        if (this.ordersPerCustomer.get(id)) continue;
        this.removeAt(this.customers, index);
        return { op: 'delete', table: 'customers', keyspace: this.keyspace, where: { id } };
      }
    }
    if (this.orders.length === 0) return this.insertOrder();
    const order = this.removeAt(this.orders, Math.floor(this.random() * this.orders.length));
    this.ordersPerCustomer.set(order.customer, this.ordersPerCustomer.get(order.customer)! - 1);
    return { op: 'delete', table: 'orders', keyspace: this.keyspace, where: { id: order.id } };
  }

  /** Removes list[index] by moving the last element into its place (O(1)). */
  private removeAt<T>(list: T[], index: number): T {
    const item = list[index]!;
    list[index] = list[list.length - 1]!;
    list.pop();
    return item;
  }
}

export interface WorkloadOptions extends WorkloadGeneratorOptions {
  /** Transactions per second. */
  ratePerSecond: number;
  /** Stop after this many transactions. */
  maxTransactions?: number;
  /** Stop after this long. */
  durationMs?: number;
}

export interface WorkloadStats {
  transactions: number;
  operations: number;
  elapsedMs: number;
}

export interface RunningWorkload {
  /** Resolves with the totals when the workload stops (count, duration, or stop()). */
  readonly done: Promise<WorkloadStats>;
  stop(): void;
  readonly stats: WorkloadStats;
}

/**
 * Applies the workload to anything with `run(ops)` (a TestVtgate) at a steady rate. Requires
 * `maxTransactions` or `durationMs`. A failing transaction stops the run and rejects `done`.
 */
export function runWorkload(
  target: { run(ops: TxnOp[]): unknown },
  options: WorkloadOptions,
): RunningWorkload {
  if (options.maxTransactions === undefined && options.durationMs === undefined) {
    throw new Error('a workload needs maxTransactions or durationMs');
  }
  if (!(options.ratePerSecond > 0)) throw new Error('ratePerSecond must be positive');
  const generator = new WorkloadGenerator(options);
  const max = options.maxTransactions ?? Infinity;
  const duration = options.durationMs ?? Infinity;
  const stats: WorkloadStats = { transactions: 0, operations: 0, elapsedMs: 0 };
  const started = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let finish!: (s: WorkloadStats) => void;
  let failRun!: (err: unknown) => void;
  const done = new Promise<WorkloadStats>((resolve, reject) => {
    finish = resolve;
    failRun = reject;
  });
  const step = () => {
    const elapsed = Date.now() - started;
    stats.elapsedMs = elapsed;
    if (stopped || stats.transactions >= max || elapsed >= duration) {
      stopped = true;
      return finish({ ...stats });
    }
    // Catch up to the schedule, but never more than a second's worth at once.
    const due = Math.min(max, Math.floor((elapsed / 1000) * options.ratePerSecond) + 1);
    const burst = Math.min(due - stats.transactions, Math.ceil(options.ratePerSecond));
    try {
      for (let i = 0; i < burst; i++) {
        const ops = generator.nextTransaction();
        target.run(ops);
        stats.transactions++;
        stats.operations += ops.length;
      }
    } catch (err) {
      stopped = true;
      return failRun(err);
    }
    const nextDue = (stats.transactions / options.ratePerSecond) * 1000; // when the next one is due
    timer = setTimeout(step, Math.max(1, Math.min(50, nextDue - (Date.now() - started))));
  };
  timer = setTimeout(step, 0);
  return {
    done,
    stats,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      stats.elapsedMs = Date.now() - started;
      finish({ ...stats });
    },
  };
}
