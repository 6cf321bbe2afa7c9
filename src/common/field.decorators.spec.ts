import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DateTime } from 'luxon';
import { BooleanField, EnumArrayField, EnumField, InstantField, IntArrayField, IntField, parseInstant } from './field.decorators';
import { flattenValidationErrors } from './validation';

describe('parseInstant', () => {
  it.each([
    ['2016-06-01T07:54:07.000Z', '2016-06-01T07:54:07.000Z'],
    ['2016-06-01T09:54:07+02:00', '2016-06-01T07:54:07.000Z'],
    ['2016-06-01T02:54:07.5-05:00', '2016-06-01T07:54:07.500Z'],
    ['2016-06-01T07:54:07Z', '2016-06-01T07:54:07.000Z'],
    ['2016-06-01T07:54Z', '2016-06-01T07:54:00.000Z'],
    ['2016-06-01T07:54:07.123456789Z', '2016-06-01T07:54:07.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2021-01-01T00:30:00+13:45', '2020-12-31T10:45:00.000Z'],
  ])('accepts %s as %s', (input, iso) => {
    const d = parseInstant(input);
    expect(d).toBeInstanceOf(Date);
    expect(d!.toISOString()).toBe(iso);
  });

  it.each([
    ['date only', '2016-06-01'],
    ['no zone', '2016-06-01T07:54:07'],
    ['no zone, with milliseconds', '2016-06-01T07:54:07.000'],
    ['impossible day', '2021-02-30T00:00:00Z'],
    ['29 February of a common year', '2021-02-29T00:00:00Z'],
    ['month 13', '2016-13-01T00:00:00Z'],
    ['day 0', '2016-06-00T00:00:00Z'],
    ['minute 61', '2016-06-01T07:61:00Z'],
    ['second 60', '2016-06-01T07:54:60Z'],
    ['hour 25', '2016-06-01T25:00:00Z'],
    ['offset minutes 99', '2016-06-01T07:54:07+02:99'],
    ['offset hours 99', '2016-06-01T07:54:07+99:00'],
    ['offset without colon', '2016-06-01T07:54:07+0200'],
    ['space instead of T', '2016-06-01 07:54:07Z'],
    ['lower-case zone', '2016-06-01T07:54:07z'],
    ['leading whitespace', ' 2016-06-01T07:54:07Z'],
    ['trailing text', '2016-06-01T07:54:07Zfoo'],
    ['garbage', 'yesterday'],
    ['empty string', ''],
    ['RFC 2822', 'Wed, 01 Jun 2016 07:54:07 GMT'],
  ])('rejects %s (%j)', (_what, input) => {
    expect(parseInstant(input)).toBeUndefined();
  });

  it('reads the UTC forms Date takes (…:ss.sssZ, …:ssZ) as Luxon does, and leaves every other text to it (random texts)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const two = (n: number) => String(n).padStart(2, '0');
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Fields a little outside their ranges too: Date must not roll 30 February into March.
      const text = `${String(rnd(10_000)).padStart(4, '0')}-${two(rnd(14))}-${two(rnd(33))}T${two(rnd(26))}:${two(rnd(62))}:${two(rnd(62))}${rnd(2) ? `.${String(rnd(1000)).padStart(3, '0')}` : ''}Z`;
      const luxon = DateTime.fromISO(text, { setZone: true });
      const expected = luxon.isValid ? luxon.toJSDate().getTime() : undefined;
      const got = parseInstant(text)?.getTime();
      if (got !== expected) wrong.push(`${text}: ${got} vs ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    ['a number (epoch ms)', 1464767647000],
    ['a Date object', new Date('2016-06-01T07:54:07.000Z')],
    ['null', null],
    ['undefined', undefined],
    ['an array', ['2016-06-01T07:54:07.000Z']],
  ])('rejects %s', (_what, input) => {
    expect(parseInstant(input)).toBeUndefined();
  });
});

class Probe {
  @InstantField({ optional: true })
  from?: Date;

  @IntField({ optional: true, fromQuery: true, min: 1, max: 10 })
  page?: number;

  @IntField({ optional: true })
  module?: number;

  @IntArrayField({ optional: true, maxItems: 3 })
  actions?: number[];

  @EnumArrayField(['country', 'device'], { optional: true })
  aggregations?: string[];

  @EnumField(['count'], { optional: true })
  orderBy?: string;

  @BooleanField({ optional: true })
  other?: boolean;
}

/** Transforms and validates like the global ValidationPipe (first error per field); returns the instance and the messages. */
function check(plain: Record<string, unknown>): { value: Probe; errors: string[] } {
  const value = plainToInstance(Probe, plain);
  const errors = flattenValidationErrors(validateSync(value, { stopAtFirstError: true, validationError: { target: false, value: false } }));
  return { value, errors };
}

describe('field decorators', () => {
  it('InstantField turns a valid instant into a Date', () => {
    const { value, errors } = check({ from: '2016-06-01T09:54:07+02:00' });
    expect(errors).toEqual([]);
    expect(value.from).toBeInstanceOf(Date);
    expect(value.from!.toISOString()).toBe('2016-06-01T07:54:07.000Z');
  });

  it.each(['2016-06-01', '2016-06-01T07:54:07', '2021-02-30T00:00:00Z', 'garbage'])(
    'InstantField rejects %j with a message naming the field',
    (from) => {
      expect(check({ from }).errors).toEqual(['from must be an ISO 8601 instant with time zone, e.g. 2016-06-01T07:54:07.000Z']);
    },
  );

  it('IntField with fromQuery takes digit strings, without it only numbers', () => {
    expect(check({ page: '7' })).toEqual({ value: expect.objectContaining({ page: 7 }), errors: [] });
    expect(check({ module: '3' }).errors).toEqual(['module must be an integer']);
    expect(check({ module: 3 }).errors).toEqual([]);
  });

  it('IntField enforces its bounds and integrality', () => {
    expect(check({ page: '0' }).errors).toEqual(['page must be at least 1']);
    expect(check({ page: 11 }).errors).toEqual(['page must be at most 10']);
    expect(check({ page: '1.5' }).errors).toEqual(['page must be an integer']);
    expect(check({ module: -1 }).errors).toEqual(['module must be at least 0']);
    expect(check({ module: 2147483648 }).errors).toEqual(['module must be at most 2147483647']);
  });

  it('IntArrayField accepts a list or a single value, as numbers', () => {
    expect(check({ actions: ['1', '3'] }).value.actions).toEqual([1, 3]);
    expect(check({ actions: '4' }).value.actions).toEqual([4]);
    expect(check({ actions: ['1', '3'] }).errors).toEqual([]);
  });

  it('IntArrayField rejects non-integers, negatives and too many ids, naming the parameter', () => {
    expect(check({ actions: ['x'] }).errors).toEqual(['actions must hold only non-negative integers']);
    expect(check({ actions: ['-1'] }).errors).toEqual(['actions must hold only non-negative integers']);
    expect(check({ actions: ['1', '2', '3', '4'] }).errors).toEqual(['actions may hold at most 3 ids']);
  });

  it('EnumArrayField takes allowed values and names them when given anything else', () => {
    expect(check({ aggregations: 'country' })).toEqual({ value: expect.objectContaining({ aggregations: ['country'] }), errors: [] });
    expect(check({ aggregations: ['country', 'userId'] }).errors).toEqual(['aggregations may only contain: country, device']);
  });

  it('EnumField takes one allowed value and names the allowed ones otherwise', () => {
    expect(check({ orderBy: 'count' })).toEqual({ value: expect.objectContaining({ orderBy: 'count' }), errors: [] });
    for (const orderBy of ['Count', '', ['count', 'count'], 'key']) expect(check({ orderBy }).errors).toEqual(['orderBy must be one of: count']);
  });

  it('BooleanField takes exactly true or false', () => {
    expect(check({ other: 'true' })).toEqual({ value: expect.objectContaining({ other: true }), errors: [] });
    expect(check({ other: 'false' })).toEqual({ value: expect.objectContaining({ other: false }), errors: [] });
    expect(check({ other: true }).errors).toEqual([]);
    for (const other of ['1', 'yes', 'TRUE', '', ['true', 'true']]) expect(check({ other }).errors).toEqual(['other must be true or false']);
  });
});
