/**
 * MLflow's search filter and order_by grammar, parsed once for every entity
 * (runs, experiments, registered models, model versions). Each store compiles
 * the parsed comparisons into SQL with its own list of allowed fields.
 *
 * Grammar (MLflow's, without OR, which MLflow does not support either):
 *   filter      := comparison ( AND comparison )*
 *   comparison  := identifier operator value
 *   identifier  := [type "."] key        type: metrics|params|tags|attributes (and singular forms)
 *   key         := bare word (letters, digits, _ and .) | "quoted" | `quoted`
 *   operator    := = | != | <> | > | >= | < | <= | LIKE | ILIKE | IN | NOT IN
 *   value       := number | 'string' | "string" | ( 'a', 'b', ... )
 *   order_by    := identifier [ASC | DESC]
 */
import { invalidParameter } from '../errors.js';

/** Which part of an entity an identifier names. An identifier without a type prefix is an attribute. */
export type FieldType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export type ComparisonOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FieldRef {
  type: FieldType;
  key: string;
}

export interface Comparison extends FieldRef {
  op: ComparisonOperator;
  /** A number only when written as a bare numeric literal; a list only for IN / NOT IN. */
  value: string | number | string[];
}

export interface OrderClause extends FieldRef {
  ascending: boolean;
}

const TYPE_PREFIXES: Record<string, FieldType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'quoted'; text: string; quote: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '.' | '(' | ')' | ','; pos: number };

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const rest = text.slice(i);
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw invalidParameter(`Invalid ${what} '${text}': unterminated ${ch} at ${i}`);
        const c = text[j] as string;
        if (c === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
        } else if (c === ch && text[j + 1] === ch) {
          value += ch;
          j += 2;
        } else if (c === ch) {
          j += 1;
          break;
        } else {
          value += c;
          j += 1;
        }
      }
      tokens.push({ kind: 'quoted', text: value, quote: ch, pos: i });
      i = j;
      continue;
    }
    const op = /^(!=|<>|>=|<=|=|>|<)/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[1] === '<>' ? '!=' : (op[1] as string), pos: i });
      i += (op[1] as string).length;
      continue;
    }
    // Right after a dot comes a key, never a number ("metrics.5x" is not metrics + 0.5).
    const previous = tokens[tokens.length - 1];
    const afterDot = previous?.kind === 'punct' && previous.text === '.';
    const num = afterDot ? null : NUMBER.exec(rest);
    if (num) {
      tokens.push({ kind: 'number', value: Number(num[0]), text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    if (ch === '.' || ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, pos: i });
      i += 1;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw invalidParameter(`Invalid ${what} '${text}': unexpected character '${ch}' at position ${i}`);
  }
  return tokens;
}

class TokenStream {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly what: string,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  next(): Token | undefined {
    const token = this.tokens[this.index];
    this.index += 1;
    return token;
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }

  fail(reason: string): never {
    throw invalidParameter(`Invalid ${this.what} '${this.text}': ${reason}`);
  }

  /** True when the next token is the given keyword (case-insensitive), consuming it. */
  keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind === 'word' && token.text.toUpperCase() === word) {
      this.index += 1;
      return true;
    }
    return false;
  }
}

function tokenLabel(token: Token | undefined): string {
  if (!token) return 'end of input';
  if (token.kind === 'quoted') return `${token.quote}${token.text}${token.quote}`;
  return token.text;
}

/**
 * Reads `type.key`, `type."key"`, type.`key` or a bare `key` (an attribute).
 * A bare key may contain dots after the type (`metrics.val.loss` is metric `val.loss`),
 * as in MLflow, which splits an identifier at its first dot.
 */
function readIdentifier(stream: TokenStream): FieldRef {
  const first = stream.next();
  if (!first || (first.kind !== 'word' && !(first.kind === 'quoted' && first.quote === '`'))) {
    stream.fail(`expected an identifier such as metrics.accuracy, got ${tokenLabel(first)}`);
  }
  if (stream.peek()?.kind !== 'punct' || (stream.peek() as { text: string }).text !== '.') {
    return { type: 'attribute', key: first.text };
  }
  const type = TYPE_PREFIXES[first.text.toLowerCase()];
  if (!type) {
    stream.fail(`unknown identifier type '${first.text}'; expected one of metrics, params, tags, attributes`);
  }
  stream.next(); // the dot
  const keyToken = stream.next();
  if (!keyToken) stream.fail(`expected a key after '${first.text}.'`);
  if (keyToken.kind === 'quoted') return { type, key: keyToken.text };
  if (keyToken.kind !== 'word' && keyToken.kind !== 'number') {
    stream.fail(`expected a key after '${first.text}.', got ${tokenLabel(keyToken)}`);
  }
  let key = keyToken.text;
  // Continue a dotted bare key: word(.word)*
  while (stream.peek()?.kind === 'punct' && (stream.peek() as { text: string }).text === '.') {
    const after = stream.peek(1);
    if (!after || (after.kind !== 'word' && after.kind !== 'number')) break;
    stream.next();
    stream.next();
    key += `.${after.text}`;
  }
  return { type, key };
}

function readOperator(stream: TokenStream): ComparisonOperator {
  const token = stream.next();
  if (token?.kind === 'op') return token.text as ComparisonOperator;
  if (token?.kind === 'word') {
    const upper = token.text.toUpperCase();
    if (upper === 'LIKE' || upper === 'ILIKE' || upper === 'IN') return upper;
    if (upper === 'NOT' && stream.keyword('IN')) return 'NOT IN';
  }
  return stream.fail(
    `expected a comparison operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN), got ${tokenLabel(token)}`,
  );
}

function readValue(stream: TokenStream, op: ComparisonOperator): string | number | string[] {
  if (op === 'IN' || op === 'NOT IN') {
    const open = stream.next();
    if (open?.kind !== 'punct' || open.text !== '(') stream.fail(`expected '(' after ${op}`);
    const values: string[] = [];
    for (;;) {
      const item = stream.next();
      if (item?.kind === 'quoted' && item.quote !== '`') values.push(item.text);
      else if (item?.kind === 'number') values.push(item.text);
      else stream.fail(`expected a quoted string in the ${op} list, got ${tokenLabel(item)}`);
      const sep = stream.next();
      if (sep?.kind === 'punct' && sep.text === ')') break;
      if (sep?.kind !== 'punct' || sep.text !== ',') stream.fail(`expected ',' or ')' in the ${op} list`);
    }
    return values;
  }
  const token = stream.next();
  if (token?.kind === 'number') return token.value;
  if (token?.kind === 'quoted' && token.quote !== '`') return token.text;
  return stream.fail(`expected a number or a quoted string after ${op}, got ${tokenLabel(token)}`);
}

/**
 * Parses an MLflow filter string into comparisons joined by AND.
 * An empty or blank filter yields no comparisons. Throws INVALID_PARAMETER_VALUE
 * naming the filter and what was wrong.
 */
export function parseFilter(filter: string | undefined): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  const stream = new TokenStream(tokenize(filter, 'filter'), filter, 'filter');
  const comparisons: Comparison[] = [];
  for (;;) {
    const field = readIdentifier(stream);
    const op = readOperator(stream);
    const value = readValue(stream, op);
    comparisons.push({ ...field, op, value });
    if (stream.done()) break;
    if (stream.keyword('AND')) continue;
    if (stream.keyword('OR')) stream.fail('OR is not supported; combine comparisons with AND');
    stream.fail(`expected AND, got ${tokenLabel(stream.peek())}`);
  }
  return comparisons;
}

/** Parses order_by clauses such as `metrics.accuracy DESC` or `attributes.start_time`. */
export function parseOrderBy(clauses: readonly string[]): OrderClause[] {
  return clauses.map((clause) => {
    const stream = new TokenStream(tokenize(clause, 'order_by'), clause, 'order_by');
    const field = readIdentifier(stream);
    let ascending = true;
    if (stream.keyword('DESC')) ascending = false;
    else stream.keyword('ASC');
    if (!stream.done()) stream.fail(`unexpected ${tokenLabel(stream.peek())} after the sort direction`);
    return { ...field, ascending };
  });
}

/**
 * Turns a SQL LIKE pattern (`%`, `_`) into a GLOB pattern, because SQLite's LIKE
 * ignores ASCII case and MLflow's LIKE does not; GLOB is case-sensitive.
 */
export function likeToGlob(pattern: string): string {
  let glob = '';
  for (const ch of pattern) {
    if (ch === '%') glob += '*';
    else if (ch === '_') glob += '?';
    else if (ch === '*' || ch === '?' || ch === '[') glob += `[${ch}]`;
    else glob += ch;
  }
  return glob;
}
