/**
 * Friendly names for runs created without one (MLflow gives runs names such as
 * `bold-owl-7`, so lists stay readable).
 */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'amber',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'crisp',
  'eager',
  'gentle',
  'golden',
  'keen',
  'lively',
  'lucky',
  'mellow',
  'nimble',
  'quiet',
  'rapid',
  'silent',
  'steady',
  'swift',
];
const ANIMALS = [
  'ant',
  'bat',
  'bee',
  'carp',
  'crane',
  'deer',
  'dove',
  'eel',
  'finch',
  'fox',
  'gull',
  'hare',
  'heron',
  'lynx',
  'mole',
  'owl',
  'seal',
  'stork',
  'swan',
  'wren',
];

/** A random `adjective-animal-N` name, N in 0..999. */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${ANIMALS[randomInt(ANIMALS.length)]}-${randomInt(1000)}`;
}
