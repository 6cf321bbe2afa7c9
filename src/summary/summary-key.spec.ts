import { SummaryService } from './summary.service';

describe('SummaryService.cdKey (stat_day_cd.k)', () => {
  it('is keyHash over (module, action, level, country, device): the pinned stored value', () => {
    expect(SummaryService.cdKey({ module: 3, action: 1, level: 0, country: 'AT', device: 'mobile' })).toBe('04238af0188c3249c8063657e0b07bf8');
  });
});
