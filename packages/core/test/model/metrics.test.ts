import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  classificationMetrics,
  confusionMatrix,
  logLoss,
  rocAuc,
  LOG_LOSS_EPSILON,
} from '../../src/model/metrics.js';

/*
 * A six-row, three-class table whose every metric was computed by hand:
 *
 *   row  true  proba (a, b, c)    predicted
 *    0    a    0.7 0.2 0.1        a
 *    1    a    0.5 0.4 0.1        a
 *    2    a    0.2 0.6 0.2        b
 *    3    b    0.3 0.6 0.1        b
 *    4    b    0.1 0.3 0.6        c
 *    5    c    0.2 0.2 0.6        c
 *
 * Confusion (rows true, columns predicted): a [2 1 0], b [0 1 1], c [0 0 1].
 * a: P = 2/2 = 1, R = 2/3, F1 = 2*(2/3)/(5/3) = 0.8
 * b: P = 1/2, R = 1/2, F1 = 0.5
 * c: P = 1/2, R = 1/1, F1 = 2*0.5/1.5 = 2/3
 * macro P = 2/3, macro R = 13/18, macro F1 = (0.8 + 0.5 + 2/3)/3 = 0.655556
 * weighted P = (3*1 + 2*0.5 + 1*0.5)/6 = 0.75, weighted R = 4/6, weighted F1 = (2.4 + 1 + 2/3)/6
 * AUC a: positives 0.7 0.5 0.2 vs negatives 0.3 0.1 0.2 -> (3 + 3 + 1.5)/9 = 0.833333
 * AUC b: positives 0.6 0.3 vs negatives 0.2 0.4 0.6 0.2 -> (3.5 + 2)/8 = 0.6875
 * AUC c: positive 0.6 vs negatives 0.1 0.1 0.2 0.1 0.6 -> 4.5/5 = 0.9
 * macro AUC = 0.806944, weighted AUC = (3*0.833333 + 2*0.6875 + 0.9)/6 = 0.795833
 * log loss = -(ln 0.7 + ln 0.5 + ln 0.2 + ln 0.6 + ln 0.3 + ln 0.6)/6 = 4.884884/6 = 0.814147
 */
const labels = ['a', 'b', 'c'];
const yTrue = [0, 0, 0, 1, 1, 2];
const proba = [0.7, 0.2, 0.1, 0.5, 0.4, 0.1, 0.2, 0.6, 0.2, 0.3, 0.6, 0.1, 0.1, 0.3, 0.6, 0.2, 0.2, 0.6];

describe('classificationMetrics', () => {
  const m = classificationMetrics(yTrue, proba, labels);

  it('counts the confusion matrix with true classes as rows', () => {
    expect(m.confusion_matrix).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(m.n).toBe(6);
  });

  it('matches the hand-computed accuracy, precision, recall and F1', () => {
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.per_class.a).toMatchObject({ precision: 1, support: 3 });
    expect(m.per_class.a!.recall).toBeCloseTo(2 / 3, 12);
    expect(m.per_class.a!.f1).toBeCloseTo(0.8, 12);
    expect(m.per_class.b).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.per_class.c!.f1).toBeCloseTo(2 / 3, 12);
    expect(m.macro_precision).toBeCloseTo(2 / 3, 12);
    expect(m.macro_recall).toBeCloseTo(13 / 18, 12);
    expect(m.macro_f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.weighted_precision).toBeCloseTo(0.75, 12);
    expect(m.weighted_recall).toBeCloseTo(4 / 6, 12);
    expect(m.weighted_f1).toBeCloseTo((2.4 + 1 + 2 / 3) / 6, 12);
  });

  it('matches the hand-computed one-vs-rest ROC-AUC, ties counting one half', () => {
    expect(m.per_class.a!.roc_auc).toBeCloseTo(7.5 / 9, 12);
    expect(m.per_class.b!.roc_auc).toBeCloseTo(5.5 / 8, 12);
    expect(m.per_class.c!.roc_auc).toBeCloseTo(0.9, 12);
    expect(m.roc_auc_macro).toBeCloseTo((7.5 / 9 + 5.5 / 8 + 0.9) / 3, 12);
    expect(m.roc_auc_weighted).toBeCloseTo((3 * (7.5 / 9) + 2 * (5.5 / 8) + 0.9) / 6, 12);
  });

  it('matches the hand-computed log loss', () => {
    expect(m.log_loss).toBeCloseTo(4.884884 / 6, 6);
  });

  it('uses the given predictions instead of the arg-max when passed', () => {
    const allA = classificationMetrics(yTrue, proba, labels, [0, 0, 0, 0, 0, 0]);
    expect(allA.accuracy).toBeCloseTo(0.5, 12);
    // b and c are never predicted: precision 0 by the zero-division rule, F1 0.
    expect(allA.per_class.b).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(allA.per_class.a!.precision).toBeCloseTo(0.5, 12);
  });

  it('leaves a class without support out of the AUC averages but not out of macro F1', () => {
    const r = classificationMetrics(
      [0, 1, 0, 1],
      [0.9, 0.1, 0, 0.2, 0.8, 0, 0.6, 0.4, 0, 0.3, 0.7, 0],
      labels,
    );
    expect(r.per_class.c!.roc_auc).toBeNull();
    expect(r.per_class.c!.f1).toBe(0);
    expect(r.roc_auc_macro).toBe(1);
    expect(r.macro_f1).toBeCloseTo(2 / 3, 12);
    expect(JSON.parse(JSON.stringify(r)).per_class.c.roc_auc).toBeNull();
  });

  it('rejects a probability array of the wrong size', () => {
    expect(() => classificationMetrics([0, 1], [0.5, 0.5], labels)).toThrow(
      /2 rows x 3 classes = 6 values, got 2/,
    );
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 when every score ties', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('is null without positives or without negatives', () => {
    expect(rocAuc([false, false], [0.1, 0.2])).toBeNull();
    expect(rocAuc([true], [0.1])).toBeNull();
  });
});

describe('logLoss', () => {
  it('clips a zero probability of the true class instead of returning Infinity', () => {
    expect(logLoss([0], [0, 1], 2)).toBeCloseTo(-Math.log(LOG_LOSS_EPSILON), 9);
    expect(logLoss([1], [0, 1], 2)).toBeCloseTo(-Math.log(1 - LOG_LOSS_EPSILON), 12);
  });
});

describe('confusionMatrix', () => {
  it('names the row holding a class index out of range', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(InvalidArgumentError);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(
      /yTrue\[1\] must be a class index in 0..2, got 3/,
    );
  });
});
