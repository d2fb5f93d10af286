/** Parsers for commander options that more than one command takes. */
import { InvalidArgumentError } from 'commander';

/** `--memory 256`: an integer above zero. */
export function positiveInteger(raw: string): number {
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** `--cors-max-age 0`: an integer from zero. */
export function nonNegativeInteger(raw: string): number {
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number.');
  return n;
}

/** A repeatable option: each occurrence adds its value. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
