import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/** `userActions.3.module` → `userActions[3].module` */
function displayPath(parts: string[]): string {
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** Flattens class-validator's tree into messages that name the full path of each bad field. */
export function flattenValidationErrors(errors: ValidationError[], parents: string[] = []): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = [...parents, e.property];
    const shown = displayPath(path);
    for (const msg of Object.values(e.constraints ?? {})) {
      out.push(msg.startsWith(`${e.property} `) ? `${shown}${msg.slice(e.property.length)}` : `${shown}: ${msg}`);
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

/** The global pipe: DTO classes, no unknown fields, messages naming each offending parameter. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors).join('; ')),
  });
}
