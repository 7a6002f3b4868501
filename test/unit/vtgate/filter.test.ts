// Pins vstreamer's rule matching (first match wins, unanchored "/regex") and the select plans.
import { describe, expect, it } from 'vitest';
import { VtrpcCode } from '../../../src/vstream/proto.js';
import {
  buildTablePlan,
  copyPhaseRule,
  findRule,
  ruleMatchesTable,
} from '../../../src/devtools/vtgate/filter.js';
import { buildTableSchema } from '../../../src/devtools/vtgate/schema.js';
import { normalizeCell } from '../../../src/devtools/vtgate/values.js';

const schema = buildTableSchema('ks', {
  name: 'customer',
  columns: ['id bigint primary key', 'name varchar(32) collate utf8mb4_0900_ai_ci', 'score int null'],
});

function row(id: number, name: string, score: number | null) {
  return [id, name, score].map((v, i) => normalizeCell(schema.columns[i]!.type, v, 'c'));
}

describe('rule matching', () => {
  it('treats /regex as unanchored and exact names as exact; the first matching rule wins', () => {
    const filter = {
      rules: [
        { match: 'state', filter: 'select id from state' },
        { match: '/t', filter: '' },
        { match: 'customer', filter: 'select id from customer' },
      ],
    };
    expect(findRule(filter, 'state')?.filter).toBe('select id from state');
    expect(findRule(filter, 'customer')?.match).toBe('/t'); // "cus-t-omer" contains a t
    expect(findRule(filter, 'orders')).toBeNull();
    expect(findRule({ rules: [{ match: '/^cust$/', filter: '' }] }, 'customer')).toBeNull();
    expect(findRule({ rules: [{ match: '/cust/', filter: '' }] }, 'customer')).not.toBeNull();
    expect(findRule({ rules: [{ match: 'Customer', filter: '' }] }, 'customer')).toBeNull();
    expect(ruleMatchesTable({ rules: [{ match: '/(', filter: '' }] }, 'x')).toBe(false);
    expect(() => findRule({ rules: [{ match: '/(', filter: '' }] }, 'x')).toThrow(/error parsing regexp/);
  });
});

describe('rules naming a table exactly (checked against a real vtgate v24, test/vitess/vtgate-parity.test.ts)', () => {
  it('copies with an empty filter or a key range, but fails in the binlog phase: only a select is a filter', () => {
    const empty = { match: 'customer', filter: '' };
    expect(() => buildTablePlan(empty, schema)).toThrow(/Query was empty/);
    expect(copyPhaseRule(empty, 'customer').filter).toBe('select * from `customer`');
    expect(buildTablePlan(copyPhaseRule(empty, 'customer'), schema).columns).toHaveLength(3);
    const range = copyPhaseRule({ match: 'customer', filter: '-80' }, 'customer');
    expect(range.filter).toBe("select * from `customer` where in_keyrange('-80')");
    expect(() => buildTablePlan({ match: 'customer', filter: '-80' }, schema)).toThrow(/syntax error/);
    // Regex rules keep taking both forms in every phase.
    expect(copyPhaseRule({ match: '/.*/', filter: '-80' }, 'customer')).toEqual({
      match: '/.*/',
      filter: '-80',
    });
    expect(buildTablePlan({ match: '/.*/', filter: '' }, schema).columns).toHaveLength(3);
  });
});

describe('select plans', () => {
  it('projects columns in select order and applies the WHERE clause', () => {
    const plan = buildTablePlan(
      { match: 'customer', filter: 'select score, id from customer where id >= 2 and score is not null' },
      schema,
    );
    expect(plan.columns.map((c) => c.field.name)).toEqual(['score', 'id']);
    expect(plan.matches(row(1, 'a', 5))).toBe(false);
    expect(plan.matches(row(2, 'a', null))).toBe(false);
    expect(plan.matches(row(2, 'a', 5))).toBe(true);
  });

  it('compares text with the column collation and supports IN and !=', () => {
    const plan = buildTablePlan(
      { match: 'customer', filter: "select * from customer where name = 'ANN' and id in (1, 3)" },
      schema,
    );
    expect(plan.matches(row(1, 'ann', 0))).toBe(true);
    expect(plan.matches(row(2, 'ann', 0))).toBe(false);
    const ne = buildTablePlan({ match: 'customer', filter: 'select * from customer where id != 1' }, schema);
    expect(ne.matches(row(1, 'x', 0))).toBe(false);
  });

  it('filters by key range and computes keyspace_id()', () => {
    const low = buildTablePlan(
      { match: 'customer', filter: "select id, keyspace_id() from customer where in_keyrange('-80')" },
      schema,
    );
    const high = buildTablePlan({ match: '/.*', filter: '80-' }, schema);
    let lows = 0;
    for (let id = 1; id <= 200; id++) {
      const r = row(id, 'x', 0);
      expect(low.matches(r)).toBe(!high.matches(r));
      if (low.matches(r)) {
        lows++;
        expect(
          low.columns[1]!.encode(r, 'copy', { enumSetAsText: true, decimalQuirks: true })![0],
        ).toBeLessThan(0x80);
      }
    }
    expect(lows).toBeGreaterThan(60);
    expect(lows).toBeLessThan(140);
  });

  it('fails like vstreamer on bad filters', () => {
    const error = (filter: string, match = 'customer') => {
      try {
        buildTablePlan({ match, filter }, schema);
      } catch (err) {
        return err as { code: number; message: string };
      }
      throw new Error('expected an error');
    };
    expect(error('select nope from customer')).toMatchObject({
      code: VtrpcCode.FAILED_PRECONDITION,
      message: 'column nope not found in table customer',
    });
    expect(error('select * from other').message).toMatch(/does not match the table entry name customer/);
    expect(error('select * from customer', '/.*').message).toMatch(/error parsing keyrange/);
    expect(error('select * from customer where id = 1 or id = 2').message).toMatch(/unsupported constraint/);
    expect(error('select * from customer where score is null').message).toMatch(/syntax error/);
  });
});
