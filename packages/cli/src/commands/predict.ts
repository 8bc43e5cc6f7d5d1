/**
 * `mlops predict --model FILE --input JSON`: predicts the price category of
 * one listing or an array of listings given inline (`--input '{"district": ...}'`)
 * or as a JSON file path. Prints JSON on stdout: one prediction object for one
 * listing, an array for an array.
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { InvalidDataError } from '@mlops/core';
import { Model } from '@mlops/core/model';
import { processIo, writeJson, type CommandIo } from '../command-io.js';
import { parseListingInput } from '../listing-input.js';

interface PredictFlags {
  model: string;
  input: string;
}

export function predictCommand(io: CommandIo = processIo): Command {
  return new Command('predict')
    .description('predict price categories with a model bundle')
    .requiredOption('--model <file>', 'model bundle (from mlops train)')
    .requiredOption('--input <json>', 'a listing or an array of listings: inline JSON or a JSON file path')
    .action(async (flags: PredictFlags) => {
      const inline = /^\s*[[{]/.test(flags.input);
      const source = inline ? '--input' : flags.input;
      const text = inline ? flags.input : await readInputFile(flags.input);
      const input = parseListingInput(text, source);
      if (input.unknownFields.length > 0) {
        io.stderr.write(`ignored unknown fields: ${input.unknownFields.join(', ')}\n`);
      }
      const model = await Model.load(flags.model);
      const predictions = model.predictBatch(input.listings);
      writeJson(io, input.single ? predictions[0] : predictions);
    });
}

async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidDataError(
      code === 'ENOENT'
        ? `--input ${path} is neither inline JSON nor an existing file`
        : `--input ${path} cannot be read (${code ?? String(error)})`,
      { cause: error },
    );
  }
}
