/**
 * Flag value parsers for commander: each turns the text into a value or throws
 * commander's InvalidArgumentError, which commander reports as
 * `error: option '--trees <n>' argument '0' is invalid. <why>` and exit code 2.
 */
import { InvalidArgumentError } from 'commander';

/** An integer >= min (default 1), e.g. `--trees`, `--rows`. */
export function integerAtLeast(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\s*[+-]?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${text}"`);
    }
    return value;
  };
}

/** A number strictly between 0 and 1, e.g. `--holdout 0.2`. */
export function openFraction(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value > 0 && value < 1)) {
    throw new InvalidArgumentError(`expected a number between 0 and 1 (exclusive), got "${text}"`);
  }
  return value;
}
