import { BadRequestException } from '@nestjs/common';
import { createValidationPipe } from '../common/validation';
import { IngestUserActionsDto } from './dto/ingest-user-actions.dto';
import { IngestBodyPipe } from './ingest-body.pipe';

const full = createValidationPipe();
const viaValidator = async (body: unknown) => {
  try {
    return { ok: true as const, value: JSON.parse(JSON.stringify(await full.transform(body, { type: 'body', metatype: IngestUserActionsDto }))) };
  } catch (err) {
    if (err instanceof BadRequestException) return { ok: false as const };
    throw err;
  }
};

const event = (extra: Record<string, unknown> = {}) => ({ eventId: 'e1', module: 3, action: 2, created: '2026-03-10T11:00:00.000Z', ...extra });

/** Valid and invalid bodies; the fast path may only accept what the validator accepts, with the same result. */
const cases: unknown[] = [
  { userActions: [event()] },
  { userAction: event() },
  { userActions: [event({ country: 'AT', device: 'mobile', actionLabel: 'cfg', actionId: 'conf:1', actionParameter: 'x', userId: 'u' })] },
  { userActions: [event({ configuration: { thumbnail: 'https://t/1.jpg', partList: { a: [1] }, planCombinedIds: ['catalog:item:1'] } })] },
  { userActions: [event({ device: '' })] },
  { userActions: [event({ created: '2026-03-10T13:00:00+02:00' })] },
  { userActions: [] },
  { userActions: Array.from({ length: 1001 }, (_, i) => event({ eventId: `e${i}` })) },
  { userActions: [event({ module: '3' })] },
  { userActions: [event({ module: 1.5 })] },
  { userActions: [event({ module: -1 })] },
  { userActions: [event({ action: 2147483648 })] },
  { userActions: [event({ created: '2026-03-10' })] },
  { userActions: [event({ created: '2026-03-10T11:00:00' })] },
  { userActions: [event({ created: '2026-02-30T11:00:00Z' })] },
  { userActions: [event({ country: 'aut' })] },
  { userActions: [event({ country: null })] },
  { userActions: [event({ eventId: '' })] },
  { userActions: [event({ eventId: 'x'.repeat(65) })] },
  { userActions: [event({ eventId: 'x ' })] },
  { userActions: [event({ userId: '' })] },
  { userActions: [event({ device: 'd'.repeat(33) })] },
  { userActions: [event({ actionParameter: 'p'.repeat(1025) })] },
  { userActions: [event({ unknown: 1 })] },
  { userActions: [event({ configuration: { partList: [1, 2] } })] },
  { userActions: [event({ configuration: { planCombinedIds: [1] } })] },
  { userActions: [event({ configuration: { extra: true } })] },
  { userActions: [event({ configuration: 'x' })] },
  { userActions: [event()], userAction: event() },
  { userActions: [event()], extra: 1 },
  {},
  [event()],
  { userActions: 'x' },
  { userAction: [event()] },
];

describe('IngestBodyPipe fast path', () => {
  it.each(cases.map((c, i) => [i, c]))('case %i: accepts only what the validator accepts, with the same value', async (_i, body) => {
    const fast = IngestBodyPipe.fast(body);
    const reference = await viaValidator(body);
    if (fast) {
      expect(reference.ok).toBe(true);
      expect(JSON.parse(JSON.stringify(fast))).toEqual(reference.ok && reference.value);
    }
  });

  it('takes the fast path for well-formed batches (the common case)', () => {
    expect(IngestBodyPipe.fast(cases[0])).toBeDefined();
    expect(IngestBodyPipe.fast(cases[3])).toBeDefined();
    expect(IngestBodyPipe.fast({ userActions: Array.from({ length: 1000 }, (_, i) => event({ eventId: `e${i}` })) })).toBeDefined();
  });

  it('falls back to the validator (and its message) for anything else', async () => {
    await expect(new IngestBodyPipe().transform({ userActions: [event({ module: '3' })] })).rejects.toThrow('userActions[0].module must be an integer');
  });
});
