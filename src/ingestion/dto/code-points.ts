import { ValidateBy, ValidationOptions } from 'class-validator';

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * At most `max` Unicode code points: what a VARCHAR(max) column holds on MySQL. class-validator's
 * MaxLength counts a character followed by a variation selector (U+FE0E/U+FE0F) as one, so a value
 * it accepted (`"a\uFE0F"` × 255 for a 255-character field) overflowed the column: a 500 on MySQL.
 */
export function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxCodePoints',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || codePoints(value) <= max,
        defaultMessage: () => `$property must be at most ${max} characters long`,
      },
    },
    options,
  );
}
