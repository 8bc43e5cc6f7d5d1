/**
 * Synthetic Istanbul listings in the portal's raw form, for tests, demos and
 * drift exercises when no real data may be used.
 *
 * Each listing is drawn feature by feature (district, neighbourhood, floor,
 * size, rooms, age, heating, structure, subscription, ad date); a latent log
 * price is a sum of feature effects plus unobserved noise, the asking price is
 * its exponential rounded like a portal price, and the label comes from fixed
 * price cut points (the 40th/80th percentiles of the undrifted generator), so
 * a drifted set's label mix can move. The noise and the coarse raw forms (age
 * buckets, whole square metres) keep a good model clearly above chance but
 * well below 100 % accuracy.
 *
 * Effect sizes are rough 2022 market knowledge (nothing is fitted): asking
 * price per m2 by district (district-profiles.ts), a premium for floor
 * heating, villas and tower floors, a discount for basements, stoves and old
 * buildings, and about 4.5 % price growth per month (Istanbul prices more than
 * doubled in 2022).
 */
import { PRICE_CATEGORIES, type PriceCategory } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import { deriveSeed, Random, WeightedSampler } from '../sampling/random.js';
import {
  formatAddressList,
  formatBuildingAge,
  formatNumberOfRooms,
  formatPrice,
  formatSquareMeters,
  formatTurkishDate,
} from '../listing/raw-format.js';
import {
  priceCategoryOf,
  RAW_COLUMNS,
  type RawListingRow,
  writeRawListingsCsv,
} from '../listing/raw-listings.js';
import {
  DISTRICT_COUNTS,
  DISTRICTS,
  type District,
  FLOOR_LOCATION_COUNTS,
  FLOOR_LOCATIONS,
  type FloorLocation,
  HEATING_TYPE_COUNTS,
  HEATING_TYPES,
  type HeatingType,
  STRUCTURE_TYPE_COUNTS,
  STRUCTURE_TYPES,
  type StructureType,
} from '../listing/vocabulary.js';
import { type BuildingStock, DISTRICT_PROFILES, type DistrictProfile } from './district-profiles.js';

/** Drift scenarios of the generator, for exercising the monitor. */
export const SYNTHETIC_DRIFT_SCENARIOS = ['district-shift', 'unseen-addresses', 'price-shift'] as const;
/**
 * - `district-shift`: traffic concentrated on districts that are rare in the
 *   reference (district weights inverted), other features as usual.
 * - `unseen-addresses`: most listings (85 %) carry a breadcrumb with a housing
 *   project part that the undrifted generator never writes, so address
 *   cardinality floods.
 * - `price-shift`: prices up across the board (+30 %) and 40 % of listings are
 *   large luxury flats in expensive districts, so both the features the model
 *   sees and the labels move towards `high`.
 */
export type SyntheticDrift = (typeof SYNTHETIC_DRIFT_SCENARIOS)[number];

/** Options of generateRawListings. */
export interface GenerateRawListingsOptions {
  /** Number of listings, a non-negative integer (at most 10,000,000). */
  rows: number;
  /** Seed: the same seed (and options) always gives the same rows. */
  seed: number;
  /** Drift scenario; absent or null = the reference distribution. */
  drift?: SyntheticDrift | null;
}

/**
 * Subscription tiers of the advertiser's portal membership, cheapest first:
 * private owners post free, agencies pay for a tier.
 */
export const SUBSCRIPTION_TIERS = ['free', 'basic', 'standard', 'premium', 'platinum'] as const;
const SUBSCRIPTION_WEIGHTS = [30, 25, 20, 17, 8];
/** Agencies in expensive districts buy higher tiers and list pricier flats (log-price effect). */
const SUBSCRIPTION_EFFECT = [-0.03, 0, 0.02, 0.05, 0.08];

/** Housing projects that only the `unseen-addresses` scenario writes into breadcrumbs. */
const NEW_PROJECTS = [
  'Vadi Konutları',
  'Park Evleri',
  'Göl Panorama',
  'Koru Sitesi',
  'Marina Rezidans',
  'Orman Evleri',
  'Bulvar Yaşam',
  'Yeşil Vadi',
  'Deniz Manzara',
  'Gökkuşağı Sitesi',
  'Lale Bahçe',
  'Çınar Konakları',
  'Mavi Kent',
  'Sedir Park',
  'Akasya Tepe',
  'Zümrüt Evleri',
] as const;

/** Log-price effect of each heating type (floor heating and heat pumps in new luxury flats, stoves in old ones). */
const HEATING_EFFECT: Readonly<Record<HeatingType, number>> = {
  'Kombi Doğalgaz': 0,
  'Merkezi (Pay Ölçer)': 0.03,
  'Merkezi Doğalgaz': 0,
  'Yerden Isıtma': 0.15,
  'Isıtma Yok': -0.2,
  'Doğalgaz Sobalı': -0.15,
  Sobalı: -0.25,
  Klimalı: 0.05,
  'Kat Kaloriferi': -0.1,
  'Kombi Fueloil': -0.1,
  'Güneş Enerjisi': 0.05,
  Jeotermal: 0.1,
  'Merkezi Fueloil': -0.1,
  'Isı Pompası': 0.1,
  'Kombi Katı Yakıt': -0.2,
};

/** Log-price effect of each structure type (historic timber and stone houses are sought after). */
const STRUCTURE_EFFECT: Readonly<Record<StructureType, number>> = {
  Betonarme: 0,
  Ahşap: 0.05,
  Kagir: -0.05,
  Çelik: 0.05,
  'Taş Bina': 0.05,
  Yığma: -0.15,
  Prefabrik: -0.3,
  Kütük: 0,
};

type FloorKind = 'villa' | 'duplex' | 'basement' | 'garden' | 'entrance' | 'roof' | 'low' | 'high' | 'tower';

/** Groups floor labels by what they mean for size and price. */
function floorKind(floor: FloorLocation): FloorKind {
  if (floor === 'Villa Tipi' || floor === 'Müstakil') return 'villa';
  if (floor === 'Çatı Dubleks' || floor === 'Bahçe Dublex') return 'duplex';
  if (floor.startsWith('Kot') || floor.endsWith('Bodrum')) return 'basement';
  if (floor === 'Bahçe Katı') return 'garden';
  if (floor === 'Düz Giriş' || floor === 'Yüksek Giriş') return 'entrance';
  if (floor === 'Çatı Katı') return 'roof';
  const storey = Number.parseInt(floor, 10);
  if (floor.includes('-') || floor.includes('+') || storey >= 16) return 'tower';
  return storey >= 6 ? 'high' : 'low';
}

/** Size multiplier and log-price effect by floor kind (beyond what the size already explains). */
const FLOOR_KIND_EFFECT: Readonly<Record<FloorKind, { size: number; price: number }>> = {
  villa: { size: 2, price: 0.15 },
  duplex: { size: 1.4, price: 0.05 },
  basement: { size: 0.85, price: -0.2 },
  garden: { size: 1, price: -0.04 },
  entrance: { size: 1, price: -0.05 },
  roof: { size: 0.95, price: -0.05 },
  low: { size: 1, price: 0 },
  high: { size: 1, price: 0.03 },
  tower: { size: 1.05, price: 0.12 },
};

/** Age buckets with their shares in the 2022 file, and the year range each covers. */
const AGE_BUCKETS = [
  { from: 0, to: 0, count: 5859 },
  { from: 1, to: 1, count: 641 },
  { from: 2, to: 2, count: 762 },
  { from: 3, to: 3, count: 973 },
  { from: 4, to: 4, count: 1760 },
  { from: 5, to: 10, count: 4065 },
  { from: 11, to: 15, count: 1795 },
  { from: 16, to: 20, count: 628 },
  { from: 21, to: 50, count: 3641 },
] as const;
/** Re-weighting of the age buckets (new -> old) by the district's building stock. */
const STOCK_AGE_FACTOR: Readonly<Record<BuildingStock, readonly number[]>> = {
  new: [1.6, 1.4, 1.4, 1.3, 1.3, 1.1, 0.6, 0.4, 0.25],
  mixed: [1, 1, 1, 1, 1, 1, 1, 1, 1],
  old: [0.5, 0.6, 0.6, 0.7, 0.7, 0.9, 1.3, 1.6, 2.2],
};

/** Price growth per month of 2022 on the log scale (about 4.5 % a month). */
const MONTHLY_GROWTH = 0.045;
/** Standard deviation of the unobserved part of the log price (condition, view, negotiation). */
const LOG_PRICE_NOISE = 0.2;
/** Spread of fixed neighbourhood effects around their district's level (log scale). */
const NEIGHBOURHOOD_SPREAD = 0.15;
/** Breadcrumb parts before the district. */
const BREADCRUMB_ROOT = ['Anasayfa', 'Satılık Daire', 'İstanbul Satılık Daire'] as const;
const DAYS_IN_MONTH_2022 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** FNV-1a hash of a text, so fixed per-name effects do not depend on list order or the run's seed. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

interface DistrictModel {
  key: District;
  profile: DistrictProfile;
  logPricePerM2: number;
  /** Fixed log-price offset of each neighbourhood: part of the world, identical for every seed. */
  neighbourhoodEffect: Float64Array;
  ageSampler: WeightedSampler;
}

/** Everything that does not depend on the seed, built once. */
interface World {
  districts: DistrictModel[];
  districtSampler: WeightedSampler;
  /** Traffic concentrated on rarely listed districts (weights ~ 1 / reference count). */
  rareDistrictSampler: WeightedSampler;
  /** The most expensive districts, for luxury listings. */
  luxuryDistrictSampler: WeightedSampler;
  floorSampler: WeightedSampler;
  villaFloorSampler: WeightedSampler;
  floorKinds: FloorKind[];
  heatingSampler: WeightedSampler;
  luxuryHeatingSampler: WeightedSampler;
  structureSampler: WeightedSampler;
  subscriptionSampler: WeightedSampler;
  luxurySubscriptionSampler: WeightedSampler;
}

let world: World | undefined;
function getWorld(): World {
  if (world) return world;
  const districts = DISTRICTS.map((key): DistrictModel => {
    const profile = DISTRICT_PROFILES[key];
    const neighbourhoodEffect = Float64Array.from(profile.neighbourhoods, (name) =>
      new Random(hashText(`${key}/${name}`)).normal(0, NEIGHBOURHOOD_SPREAD),
    );
    const factors = STOCK_AGE_FACTOR[profile.stock];
    const ageSampler = new WeightedSampler(AGE_BUCKETS.map((b, i) => b.count * (factors[i] as number)));
    return { key, profile, logPricePerM2: Math.log(profile.pricePerM2), neighbourhoodEffect, ageSampler };
  });
  const villaFloors = new Set<FloorLocation>(['Villa Tipi', 'Müstakil']);
  world = {
    districts,
    districtSampler: new WeightedSampler(DISTRICTS.map((d) => DISTRICT_COUNTS[d])),
    rareDistrictSampler: new WeightedSampler(DISTRICTS.map((d) => 1 / DISTRICT_COUNTS[d])),
    luxuryDistrictSampler: new WeightedSampler(
      DISTRICTS.map((d) => (DISTRICT_PROFILES[d].pricePerM2 >= 27000 ? DISTRICT_COUNTS[d] : 0)),
    ),
    floorSampler: new WeightedSampler(
      FLOOR_LOCATIONS.map((f) => (villaFloors.has(f) ? 0 : FLOOR_LOCATION_COUNTS[f])),
    ),
    villaFloorSampler: new WeightedSampler(
      FLOOR_LOCATIONS.map((f) => (villaFloors.has(f) ? FLOOR_LOCATION_COUNTS[f] : 0)),
    ),
    floorKinds: FLOOR_LOCATIONS.map(floorKind),
    heatingSampler: new WeightedSampler(HEATING_TYPES.map((h) => HEATING_TYPE_COUNTS[h])),
    luxuryHeatingSampler: new WeightedSampler(
      HEATING_TYPES.map((h) => HEATING_TYPE_COUNTS[h] * (h === 'Yerden Isıtma' ? 12 : 1)),
    ),
    structureSampler: new WeightedSampler(STRUCTURE_TYPES.map((s) => STRUCTURE_TYPE_COUNTS[s])),
    subscriptionSampler: new WeightedSampler(SUBSCRIPTION_WEIGHTS),
    luxurySubscriptionSampler: new WeightedSampler(
      SUBSCRIPTION_WEIGHTS.map((w, i) => w * (i >= 3 ? 2.5 : 1)),
    ),
  };
  return world;
}

/** One drawn listing: its raw row and its latent log price. */
interface DrawnListing {
  row: RawListingRow;
  logPrice: number;
  price: number;
}

/** Rounds a price the way asking prices are written: to 5,000 TL (10,000 TL above 5 million). */
function roundAskingPrice(price: number): number {
  const step = price >= 5_000_000 ? 10_000 : 5_000;
  return Math.max(step, Math.round(price / step) * step);
}

/** Rounds an area the way advertisers type it: mostly to a multiple of 5 m2. */
function roundArea(random: Random, area: number): number {
  return random.nextFloat() < 0.8 ? Math.max(5, Math.round(area / 5) * 5) : Math.round(area);
}

/**
 * Changes to the world for one generation, beyond the named drift scenarios
 * (used by the performance scenarios, performance-scenarios.ts). None of them
 * draws extra random numbers, so an unchanged mix gives the reference rows.
 */
export interface ListingMix {
  /** Relative weight of each district's traffic, in DISTRICTS order; default the reference counts. */
  districtWeights?: readonly number[];
  /** Multiplier of every flat's typical size; default 1. */
  sizeFactor?: number;
  /** Extra log-price of listings in a district (the market moved), keyed by district. */
  logPriceShift?: Readonly<Partial<Record<District, number>>>;
}

function drawListing(
  random: Random,
  w: World,
  drift: SyntheticDrift | null,
  mix: ListingMix = {},
  districtSampler: WeightedSampler = w.districtSampler,
): DrawnListing {
  const luxury = drift === 'price-shift' && random.nextFloat() < 0.4;
  const districtIndex = luxury
    ? w.luxuryDistrictSampler.sample(random)
    : drift === 'district-shift'
      ? w.rareDistrictSampler.sample(random)
      : districtSampler.sample(random);
  const district = w.districts[districtIndex] as DistrictModel;
  const profile = district.profile;
  const hood = random.nextInt(profile.neighbourhoods.length);

  const floorIndex =
    random.nextFloat() < profile.villas + (luxury ? 0.15 : 0)
      ? w.villaFloorSampler.sample(random)
      : w.floorSampler.sample(random);
  const floor = FLOOR_LOCATIONS[floorIndex] as FloorLocation;
  const kind = w.floorKinds[floorIndex] as FloorKind;
  const floorEffect = FLOOR_KIND_EFFECT[kind];

  // Gross area: log-normal around 110 m2, scaled by district and floor kind.
  const typical = 110 * profile.size * floorEffect.size * (luxury ? 1.6 : 1) * (mix.sizeFactor ?? 1);
  const gross = roundArea(random, Math.min(3000, Math.max(35, typical * Math.exp(random.normal(0, 0.3)))));
  const netShare = random.uniform(0.72, 0.92);
  const net = Math.min(gross - 1, roundArea(random, gross * netShare));

  // Rooms follow the net area (about one room per 38 m2), with the portal's half rooms now and then.
  let rooms = Math.min(8, Math.max(1, Math.round(net / 38 + random.normal(0, 0.4))));
  if (rooms <= 4 && random.nextFloat() < 0.025) rooms += 0.5;
  const roomsText =
    net < 40 && rooms === 1 && random.nextFloat() < 0.3 ? 'Stüdyo' : formatNumberOfRooms(rooms);

  const bucket = AGE_BUCKETS[
    luxury ? random.nextInt(5) : district.ageSampler.sample(random)
  ] as (typeof AGE_BUCKETS)[number];
  const age = bucket.from === bucket.to ? bucket.from : random.intBetween(bucket.from, bucket.to);

  const rich = profile.pricePerM2 >= 27000 || kind === 'villa' || luxury;
  const heatingIndex = (rich ? w.luxuryHeatingSampler : w.heatingSampler).sample(random);
  const heating = HEATING_TYPES[heatingIndex] as HeatingType;
  const structure = STRUCTURE_TYPES[w.structureSampler.sample(random)] as StructureType;
  const tier = (rich ? w.luxurySubscriptionSampler : w.subscriptionSampler).sample(random);

  const month = 1 + random.nextInt(12);
  const day = 1 + random.nextInt(DAYS_IN_MONTH_2022[month - 1] as number);

  const neighbourhood = profile.neighbourhoods[hood] as string;
  const crumbs: string[] = [
    ...BREADCRUMB_ROOT,
    `${profile.display} Satılık Daire`,
    `${neighbourhood} Mh. Satılık Daire`,
  ];
  if (drift === 'unseen-addresses' && random.nextFloat() < 0.85) {
    // A sixth breadcrumb part (project and phase) never appears in undrifted data.
    crumbs.push(`${random.choice(NEW_PROJECTS)} ${1 + random.nextInt(20)}. Etap Satılık Daire`);
  }

  const logPrice =
    district.logPricePerM2 +
    (district.neighbourhoodEffect[hood] as number) +
    // Price grows a little slower than area: big flats cost less per m2.
    0.92 * Math.log(gross) +
    0.5 * (net / gross - 0.82) +
    (age === 0 ? 0.08 : -0.008 * age) +
    floorEffect.price +
    HEATING_EFFECT[heating] +
    STRUCTURE_EFFECT[structure] +
    (SUBSCRIPTION_EFFECT[tier] as number) +
    MONTHLY_GROWTH * (month - 1) +
    (drift === 'price-shift' ? Math.log(1.3) : 0) +
    (mix.logPriceShift?.[district.key] ?? 0) +
    random.normal(0, LOG_PRICE_NOISE);
  const price = roundAskingPrice(Math.exp(logPrice));

  return {
    logPrice,
    price,
    row: {
      GrossSquareMeters: formatSquareMeters(gross),
      NetSquareMeters: formatSquareMeters(net),
      BuildingAge: formatBuildingAge(age),
      NumberOfRooms: roomsText,
      district: district.key,
      HeatingType: heating,
      StructureType: structure,
      FloorLocation: floor,
      address: formatAddressList(crumbs),
      AdCreationDate: formatTurkishDate(2022, month, day),
      Subscription: SUBSCRIPTION_TIERS[tier] as string,
      price: formatPrice(price),
    },
  };
}

/** Seed and size of the undrifted sample whose price percentiles fix the label cut points. */
const CALIBRATION_SEED = 20220101;
const CALIBRATION_ROWS = 50_000;
let calibratedThresholds: { low: number; high: number } | undefined;

/**
 * The fixed price cut points (TL) of the synthetic labels: the 40th and 80th
 * percentiles of asking prices of a large undrifted sample. Fixed so that a
 * drifted set is labelled on the reference scale and its label mix can move.
 * Computed once per process (about 0.1 s).
 */
export function syntheticPriceThresholds(): { low: number; high: number } {
  if (calibratedThresholds) return calibratedThresholds;
  const w = getWorld();
  const random = new Random(CALIBRATION_SEED);
  const prices = new Float64Array(CALIBRATION_ROWS);
  for (let i = 0; i < CALIBRATION_ROWS; i++) prices[i] = drawListing(random, w, null).price;
  prices.sort();
  // Order statistics, not interpolation: a cut point is then a real (round) price.
  calibratedThresholds = {
    low: prices[Math.floor(0.4 * (CALIBRATION_ROWS - 1))] as number,
    high: prices[Math.floor(0.8 * (CALIBRATION_ROWS - 1))] as number,
  };
  return calibratedThresholds;
}

function checkOptions(options: GenerateRawListingsOptions): SyntheticDrift | null {
  const { rows, seed } = options;
  if (!Number.isInteger(rows) || rows < 0 || rows > 10_000_000) {
    throw new InvalidArgumentError(`rows must be an integer between 0 and 10,000,000, got ${String(rows)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError(`seed must be an integer between 0 and 4294967295, got ${String(seed)}`);
  }
  const drift = options.drift ?? null;
  if (drift !== null && !(SYNTHETIC_DRIFT_SCENARIOS as readonly string[]).includes(drift)) {
    throw new InvalidArgumentError(
      `drift must be one of ${SYNTHETIC_DRIFT_SCENARIOS.join(', ')}, got ${JSON.stringify(drift)}`,
    );
  }
  return drift;
}

/**
 * Generates `rows` synthetic listings in the portal's raw form: every column of
 * RAW_COLUMNS as a string (`"135 m2"`, `"5-10"`, `"3+1"`, `"24 Şubat 2022"`,
 * the breadcrumb list literal, `"3,100,000 TL"`, a subscription tier, and the
 * `price_category` that follows from the price). Deterministic for a seed:
 * the same options always give identical rows. About 40/40/20 % low/medium/high
 * without drift.
 */
export function generateRawListings(options: GenerateRawListingsOptions): RawListingRow[] {
  const drift = checkOptions(options);
  const thresholds = syntheticPriceThresholds();
  const w = getWorld();
  // The drift scenario enters the seed so a drifted set is not an undrifted set re-labelled.
  const random = new Random(drift === null ? options.seed : deriveSeed(options.seed, hashText(drift)));
  const rows: RawListingRow[] = new Array<RawListingRow>(options.rows);
  for (let i = 0; i < options.rows; i++) {
    const { row, price } = drawListing(random, w, drift);
    row.price_category = priceCategoryOf(price, thresholds);
    rows[i] = row;
  }
  return rows;
}

/**
 * Generates `rows` raw listings of the reference distribution changed by `mix`
 * (see ListingMix), labelled on the reference price cut points. The random
 * stream is the reference one for `seed`, so a mix that only shifts prices
 * gives the very listings of `generateRawListings({ rows, seed })` with other
 * prices and labels.
 */
export function generateMixedRawListings(
  options: Omit<GenerateRawListingsOptions, 'drift'>,
  mix: ListingMix,
): RawListingRow[] {
  checkOptions(options);
  if (mix.districtWeights && mix.districtWeights.length !== DISTRICTS.length) {
    throw new InvalidArgumentError(
      `districtWeights must hold one weight per district (${DISTRICTS.length}), got ${mix.districtWeights.length}`,
    );
  }
  if (mix.sizeFactor !== undefined && !(mix.sizeFactor > 0 && Number.isFinite(mix.sizeFactor))) {
    throw new InvalidArgumentError(`sizeFactor must be a finite number > 0, got ${mix.sizeFactor}`);
  }
  const thresholds = syntheticPriceThresholds();
  const w = getWorld();
  const sampler = mix.districtWeights ? new WeightedSampler(mix.districtWeights) : w.districtSampler;
  const random = new Random(options.seed);
  const rows: RawListingRow[] = new Array<RawListingRow>(options.rows);
  for (let i = 0; i < options.rows; i++) {
    const { row, price } = drawListing(random, w, null, mix, sampler);
    row.price_category = priceCategoryOf(price, thresholds);
    rows[i] = row;
  }
  return rows;
}

/** What writeSyntheticListings wrote. */
export interface SyntheticListingsFile {
  path: string;
  rows: number;
  seed: number;
  drift: SyntheticDrift | null;
  labelCounts: Record<PriceCategory, number>;
}

/**
 * Generates listings (see generateRawListings) and writes them as a raw CSV
 * file with all RAW_COLUMNS, creating missing folders. Used by
 * `mlops data generate --rows N --seed S --out FILE [--drift SCENARIO]`.
 */
export async function writeSyntheticListings(
  path: string,
  options: GenerateRawListingsOptions,
): Promise<SyntheticListingsFile> {
  const rows = generateRawListings(options);
  await writeRawListingsCsv(path, rows, RAW_COLUMNS);
  const labelCounts = Object.fromEntries(PRICE_CATEGORIES.map((c) => [c, 0])) as Record<
    PriceCategory,
    number
  >;
  for (const row of rows) labelCounts[row.price_category as PriceCategory] += 1;
  return { path, rows: rows.length, seed: options.seed, drift: options.drift ?? null, labelCounts };
}
