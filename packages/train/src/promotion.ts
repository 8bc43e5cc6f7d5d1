/**
 * The promotion gate: the new version goes to `production` unless its
 * macro-F1 on the run's held-out split is more than PROMOTION_TOLERANCE below
 * that of the production version, scored on the same listings. When the run
 * held out a recent labelled window (the newest feedback, PROMOTION_FEEDBACK_WINDOW),
 * both are scored on that window instead: the most recent ground truth is what
 * the model will face, and after a concept drift the older held-out listings
 * would reward the stale model. The decision and the scores are tagged on the
 * new version's run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRICE_CATEGORIES, PRODUCTION_ALIAS, type Config, type Logger } from '@mlops/core';
import type { LabelledListing } from '@mlops/core/listing';
import { Model, classificationMetrics, labelIndices, parseBundle } from '@mlops/core/model';
import type { RegistryClient } from '@mlops/registry-client';
import type { PreprocessResult, PromotionDecision, RegisterResult, TrainResult } from '@mlops/temporal';
import { RECENT_LABELLED_FILE, TEST_LISTINGS_FILE, readListings } from './processed-folder.js';

/** Macro-F1 of a version of the registered model on the given listings. */
async function versionMacroF1(
  registry: RegistryClient,
  modelName: string,
  version: { version: string; source: string },
  listings: readonly LabelledListing[],
): Promise<number> {
  const bytes = await registry.downloadArtifact(version.source);
  return bundleMacroF1(bytes.toString('utf8'), `${modelName} v${version.version}`, listings);
}

/** Macro-F1 of a bundle (file text) on the given listings. */
function bundleMacroF1(text: string, origin: string, listings: readonly LabelledListing[]): number {
  const model = Model.fromBundle(parseBundle(JSON.parse(text), origin));
  return classificationMetrics(labelIndices(listings), model.predictProbaBatch(listings), PRICE_CATEGORIES)
    .macro_f1;
}

/** Decides on the registered version, records the decision, and moves `production` to it when it passes. */
export async function promoteCandidate(
  deps: { config: Config; registry: RegistryClient; logger: Logger },
  prepared: PreprocessResult,
  trained: TrainResult,
  registered: RegisterResult,
): Promise<PromotionDecision> {
  const { config, registry, logger } = deps;
  const tolerance = config.PROMOTION_TOLERANCE;
  const recentPath = join(prepared.processedDir, RECENT_LABELLED_FILE);
  const recent = config.PROMOTION_FEEDBACK_WINDOW && existsSync(recentPath) ? readListings(recentPath) : [];
  const scoredOn =
    recent.length > 0 ? `the ${recent.length} most recent labelled feedback rows` : 'held-out listings';
  const candidate =
    recent.length > 0
      ? bundleMacroF1(readFileSync(trained.bundlePath, 'utf8'), `candidate ${registered.version}`, recent)
      : trained.metrics.macro_f1!;
  const production = await registry.getModelVersionByAlias(registered.modelName, PRODUCTION_ALIAS);
  let productionScore: number | null = null;
  let reason: string;
  let promoted: boolean;
  if (!production) {
    promoted = true;
    reason = 'no production version yet';
  } else if (production.version === registered.version) {
    promoted = true;
    productionScore = candidate;
    reason = 'this version is already in production';
  } else {
    // Scored on the same listings as the candidate.
    const test = recent.length > 0 ? recent : readListings(join(prepared.processedDir, TEST_LISTINGS_FILE));
    productionScore = await versionMacroF1(registry, registered.modelName, production, test);
    promoted = candidate >= productionScore - tolerance;
    reason =
      (promoted
        ? `macro-F1 ${candidate.toFixed(4)} >= production ${productionScore.toFixed(4)} - ${tolerance}`
        : `macro-F1 ${candidate.toFixed(4)} < production ${productionScore.toFixed(4)} - ${tolerance}`) +
      (recent.length > 0 ? ` on ${scoredOn}` : '');
  }
  const decision: PromotionDecision = {
    promoted,
    candidateMacroF1: candidate,
    productionMacroF1: productionScore,
    productionVersion: production?.version ?? null,
    tolerance,
    reason,
  };
  await registry.setTags(registered.runId, {
    'promotion.decision': promoted ? 'promoted' : 'rejected',
    'promotion.reason': reason,
    'promotion.candidate_macro_f1': String(candidate),
    'promotion.production_macro_f1': productionScore === null ? '' : String(productionScore),
    'promotion.production_version': production?.version ?? '',
    'promotion.tolerance': String(tolerance),
    'promotion.scored_on': recent.length > 0 ? 'recent-feedback' : 'held-out',
    'promotion.recent_feedback_rows': String(recent.length),
  });
  if (promoted) await registry.setAlias(registered.modelName, PRODUCTION_ALIAS, registered.version);
  logger.info(
    decision,
    promoted
      ? `version ${registered.version} promoted to production`
      : `version ${registered.version} kept in staging`,
  );
  return decision;
}
