import { create, parseDependencies } from 'mathjs/number';
import {
  abs,
  add,
  broadcastLike,
  cumsum,
  sortBy,
  unsortBy,
  clamp,
  constant,
  div,
  elu,
  ema,
  eq,
  exp,
  ge,
  gt,
  input,
  le,
  log,
  log1p,
  logSoftmax,
  lt,
  max,
  mean,
  min,
  mul,
  neg,
  param,
  pow,
  relu,
  sigmoid,
  sign,
  size,
  softmax,
  softplus,
  sqrt,
  square,
  state,
  stopGradient,
  sub,
  sum,
  tanh,
  where,
} from './builders.js';
import { type Node, ShapeError } from './ir/node.js';
import { ALL_ROLES, ROLES, type Role, isRole } from './ir/roles.js';

/**
 * Options of `parse`: what names mean.
 *
 * @example
 * ```ts
 * import { input, parse, type ParseOptions } from '@losskit/core';
 * const options: ParseOptions = { names: { pred: input('pred') }, params: ['A'] };
 * const loss = parse('A * mean(abs(pred))', options);
 * ```
 */
export interface ParseOptions {
  /** Names bound to nodes: inputs, params, or whole subexpressions (`L1` -> `mean(abs(pred - target))`). */
  readonly names?: Readonly<Record<string, Node>>;
  /** Free names that become scalar params: the listed ones, or every unbound name (`'auto'`). */
  readonly params?: 'auto' | readonly string[];
}

/**
 * A formula that cannot be read: says what was wrong, where (a character offset), and what would be right.
 *
 * @example
 * ```ts
 * import { ParseError, parse } from '@losskit/core';
 * try {
 *   parse('A * (L1');
 * } catch (error) {
 *   if (error instanceof ParseError) console.error(error.message, error.position);
 * }
 * ```
 */
export class ParseError extends Error {
  override name = 'ParseError';
  constructor(
    /** What was wrong and what would be right, without the position. */
    readonly reason: string,
    /** 0-based character offset into `text`. */
    readonly position: number,
    readonly text: string,
    /** The unknown name or function, when that was the problem. */
    readonly unknownName?: string,
  ) {
    // "what: hint" -> "what at 12: hint" (the first colon outside quotes)
    const head = /^(?:[^:'"]|'[^']*'|"[^"]*")*(?=:)/.exec(reason)?.[0].length ?? reason.indexOf(':');
    const cut = head < 0 ? reason.length : head;
    super(`${reason.slice(0, cut)} at ${position}${reason.slice(cut)}\n${pointAt(text, position)}`);
  }
}

/** The line of `text` holding `position`, with a caret under it. */
function pointAt(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const lineEnd = text.indexOf('\n', position);
  // long lines are cut to a window around the position
  const start = Math.max(lineStart, position - 60);
  const end = Math.min(lineEnd < 0 ? text.length : lineEnd, position + 60);
  const line = `${start > lineStart ? '...' : ''}${text.slice(start, end)}${end < (lineEnd < 0 ? text.length : lineEnd) ? '...' : ''}`;
  const caret = position - start + (start > lineStart ? 3 : 0);
  return `  ${line}\n  ${' '.repeat(Math.max(0, caret))}^`;
}

/**
 * The subset of mathjs's syntax tree the parser reads (node classes by `type`). Any other
 * node type is reported as unsupported syntax.
 */
type Ast =
  | { type: 'ConstantNode'; value: unknown }
  | { type: 'SymbolNode'; name: string }
  | { type: 'ParenthesisNode'; content: Ast }
  | { type: 'OperatorNode'; op: string; fn: string; args: Ast[]; implicit: boolean }
  | { type: 'FunctionNode'; fn: Ast; args: Ast[] }
  | { type: 'ArrayNode'; items: Ast[] }
  | { type: 'ConditionalNode'; condition: Ast; trueExpr: Ast; falseExpr: Ast }
  | { type: 'RelationalNode'; conditionals: string[]; params: Ast[] }
  | { type: 'AssignmentNode'; object: Ast; value: Ast; index: unknown }
  | { type: 'BlockNode'; blocks: { node: Ast }[] }
  | { type: 'Other'; [key: string]: unknown };

let mathjsParse: ((text: string) => Ast) | undefined;
/** mathjs's parser alone, number-only build (no BigNumber/Fraction), created on first use. */
function mathjs(text: string): Ast {
  mathjsParse ??= create({ parseDependencies: parseDependencies! }).parse as unknown as (text: string) => Ast;
  return mathjsParse(text);
}

/**
 * Argument kinds of whitelisted functions.
 *
 * @example
 * ```ts
 * import { type ArgKind } from '@losskit/core';
 * const kind: ArgKind = 'roles'; // e.g. the second argument of sum(x, "spatial")
 * ```
 */
export type ArgKind = 'expr' | 'number' | 'string' | 'roles';
/**
 * A parsed argument of a formula function: an expression, a number, a string or a list of roles.
 *
 * @example
 * ```ts
 * import { type Arg, input } from '@losskit/core';
 * const args: Arg[] = [input('x'), ['batch', 'spatial']];
 * ```
 */
export type Arg = Node | number | string | readonly Role[];

/**
 * How a formula function is called and built: its usage text, argument kinds and builder.
 *
 * @example
 * ```ts
 * import { FORMULA_FUNCTIONS, type FunctionSpec } from '@losskit/core';
 * const clampSpec: FunctionSpec = FORMULA_FUNCTIONS.clamp!;
 * clampSpec.usage; // how a call is written
 * ```
 */
export interface FunctionSpec {
  /** How a call is written, for error messages. */
  readonly usage: string;
  /** Kinds of the positional arguments; the last `optional` of them may be left out. */
  readonly args: readonly ArgKind[];
  readonly optional?: number;
  /** Kind of any further arguments. */
  readonly rest?: ArgKind;
  readonly build: (args: readonly Arg[]) => Node;
}

const unaryFunction = (f: (x: Node) => Node, usage: string): FunctionSpec => ({
  usage,
  args: ['expr'],
  build: ([x]) => f(x as Node),
});
const binaryFunction = (f: (a: Node, b: Node) => Node, usage: string): FunctionSpec => ({
  usage,
  args: ['expr', 'expr'],
  build: ([a, b]) => f(a as Node, b as Node),
});
const variadicFunction = (f: (a: Node, ...rest: Node[]) => Node, usage: string): FunctionSpec => ({
  usage,
  args: ['expr', 'expr'],
  rest: 'expr',
  build: (args) => f(...(args as [Node, ...Node[]])),
});
/** sum(x), sum(x, "batch", "spatial"): reduce over all or the named roles. */
const reduceFunction = (f: (x: Node, roles?: readonly Role[]) => Node, usage: string): FunctionSpec => ({
  usage,
  args: ['expr'],
  rest: 'roles',
  build: ([x, ...roles]) => (roles.length === 0 ? f(x as Node) : f(x as Node, (roles as Role[][]).flat())),
});
const rolesOf = (args: readonly Arg[]): Role[] => (args as Role[][]).flat();

/**
 * The whitelist: every function a formula may call, with its builder.
 *
 * @example
 * ```ts
 * import { FORMULA_FUNCTIONS } from '@losskit/core';
 * Object.keys(FORMULA_FUNCTIONS).includes('softmax'); // true
 * ```
 */
export const FORMULA_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  exp: unaryFunction(exp, 'exp(x)'),
  log: unaryFunction(log, 'log(x)'),
  log1p: unaryFunction(log1p, 'log1p(x)'),
  sqrt: unaryFunction(sqrt, 'sqrt(x)'),
  abs: unaryFunction(abs, 'abs(x)'),
  sign: unaryFunction(sign, 'sign(x)'),
  square: unaryFunction(square, 'square(x)'),
  relu: unaryFunction(relu, 'relu(x)'),
  elu: { usage: 'elu(x[, alpha])', args: ['expr', 'number'], optional: 1, build: ([x, a]) => elu(x as Node, (a ?? 1) as number) },
  sigmoid: unaryFunction(sigmoid, 'sigmoid(x)'),
  softplus: unaryFunction(softplus, 'softplus(x)'),
  tanh: unaryFunction(tanh, 'tanh(x)'),
  neg: unaryFunction(neg, 'neg(x)'),
  stopGradient: unaryFunction(stopGradient, 'stopGradient(x)'),
  pow: binaryFunction(pow, 'pow(x, y)'),
  min: variadicFunction(min, 'min(a, b, ...)'),
  max: variadicFunction(max, 'max(a, b, ...)'),
  clamp: { usage: 'clamp(x, lo, hi)', args: ['expr', 'expr', 'expr'], build: ([x, lo, hi]) => clamp(x as Node, lo as Node, hi as Node) },
  where: { usage: 'where(cond, a, b)', args: ['expr', 'expr', 'expr'], build: ([c, a, b]) => where(c as Node, a as Node, b as Node) },
  gt: binaryFunction(gt, 'gt(a, b)'),
  ge: binaryFunction(ge, 'ge(a, b)'),
  lt: binaryFunction(lt, 'lt(a, b)'),
  le: binaryFunction(le, 'le(a, b)'),
  eq: binaryFunction(eq, 'eq(a, b)'),
  sum: reduceFunction(sum, 'sum(x[, "batch", "class", "spatial"])'),
  mean: reduceFunction(mean, 'mean(x[, "batch", "class", "spatial"])'),
  softmax: unaryFunction(softmax, 'softmax(x)'),
  logSoftmax: unaryFunction(logSoftmax, 'logSoftmax(x)'),
  broadcastLike: binaryFunction(broadcastLike, 'broadcastLike(g, like)'),
  sortBy: { usage: 'sortBy(key, x, "spatial", ...)', args: ['expr', 'expr'], rest: 'roles', build: ([k, x, ...roles]) => sortBy(k as Node, x as Node, rolesOf(roles)) },
  unsortBy: { usage: 'unsortBy(key, x, "spatial", ...)', args: ['expr', 'expr'], rest: 'roles', build: ([k, x, ...roles]) => unsortBy(k as Node, x as Node, rolesOf(roles)) },
  cumsum: { usage: 'cumsum(x, "spatial", ...)', args: ['expr'], rest: 'roles', build: ([x, ...roles]) => cumsum(x as Node, rolesOf(roles)) },
  ema: { usage: 'ema(x, decay, "slot")', args: ['expr', 'expr', 'string'], build: ([x, d, s]) => ema(x as Node, d as Node, s as string) },
  size: { usage: 'size("batch", ...)', args: [], rest: 'roles', build: (roles) => size(rolesOf(roles)) },
  // leaves spelled out, for names that are not identifiers (state slots such as "loss.mean")
  input: {
    usage: 'input("name"[, ["batch", "class", "spatial"]])',
    args: ['string'],
    rest: 'roles',
    build: ([name, ...roles]) => input(name as string, roles.length === 0 ? ALL_ROLES : rolesOf(roles)),
  },
  state: {
    usage: 'state("name"[, ["batch", ...]])',
    args: ['string'],
    rest: 'roles',
    build: ([name, ...roles]) => state(name as string, rolesOf(roles)),
  },
  param: {
    usage: 'param("name"[, default])',
    args: ['string', 'number'],
    optional: 1,
    build: ([name, d]) => param(name as string, d === undefined ? {} : { default: d as number }),
  },
};

/** mathjs operator functions -> builders. */
const OPERATORS: Readonly<Record<string, (...args: Node[]) => Node>> = {
  add: (a, b) => add(a!, b!),
  subtract: (a, b) => sub(a!, b!),
  multiply: (a, b) => mul(a!, b!),
  dotMultiply: (a, b) => mul(a!, b!),
  divide: (a, b) => div(a!, b!),
  dotDivide: (a, b) => div(a!, b!),
  pow: (a, b) => pow(a!, b!),
  dotPow: (a, b) => pow(a!, b!),
  unaryMinus: (a) => neg(a!),
  unaryPlus: (a) => a!,
  larger: (a, b) => gt(a!, b!),
  largerEq: (a, b) => ge(a!, b!),
  smaller: (a, b) => lt(a!, b!),
  smallerEq: (a, b) => le(a!, b!),
  equal: (a, b) => eq(a!, b!),
};
const OPERATOR_LIST = '+ - * / ^ > >= < <= ==';

/** `a*b` from the source text of an implicit product `a b`, for the error message. */
const implicitExample = (ast: Extract<Ast, { type: 'OperatorNode' }>): string =>
  `\`${ast.args.map((a) => (a.type === 'SymbolNode' ? a.name : a.type === 'ConstantNode' ? String(a.value) : '(...)')).join('*')}\``;

/** Names that mean a number unless `names` binds them. */
const NAMED_CONSTANTS: Readonly<Record<string, number>> = { e: Math.E, pi: Math.PI };

/**
 * Reads a formula into an interned expression graph, e.g.
 * `parse('A*L1*exp((1-A)*L2)', { names: { L1, L2 }, params: ['A'] })`.
 * Syntax is mathjs's: + - * / ^ (right-associative), unary minus, comparisons (1 or 0),
 * `c ? a : b` (= where), `[1, 2, 3]` (a per-class constant), calls of the whitelisted
 * FORMULA_FUNCTIONS, strings for roles and slots (`sum(x, "spatial")`), and `name = expr` lines
 * before the result that bind names for the lines after them. `e^x` is exp(x); `e` and `pi`
 * are numbers unless bound. A written `-3` is the constant -3; `-(3)` is neg(3).
 *
 * @example
 * ```ts
 * import { abs, input, mean, parse, square, sub } from '@losskit/core';
 * const d = sub(input('pred'), input('target'));
 * const loss = parse('A*L1*exp((1-A)*L2)', { names: { L1: mean(abs(d)), L2: mean(square(d)) }, params: ['A'] });
 * ```
 */
export function parse(text: string, options: ParseOptions = {}): Node {
  if (typeof text !== 'string') throw new ParseError(`a formula must be a string, got ${typeof text}`, 0, String(text));
  let ast: Ast;
  try {
    ast = mathjs(text);
  } catch (error) {
    const char = (error as { char?: unknown }).char;
    const position = typeof char === 'number' ? Math.max(0, Math.min(text.length, char - 1)) : 0;
    const why = error instanceof RangeError ? 'formula nested too deeply' : (error as Error).message.replace(/ \(char \d+\)$/, '');
    throw new ParseError(`syntax error: ${why}`, position, text);
  }
  try {
    return new Reader(text, ast, options).read();
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) throw new ParseError('formula nested too deeply', 0, text);
    throw error;
  }
}

class Reader {
  private readonly bound = new Map<string, Node>();
  private located: ((ast: Ast) => number) | undefined;

  constructor(
    private readonly text: string,
    private readonly root: Ast,
    private readonly options: ParseOptions,
  ) {}

  read(): Node {
    const root = this.root;
    const blocks = root.type === 'BlockNode' ? root.blocks.map((b) => b.node) : [root];
    const last = blocks[blocks.length - 1]!;
    for (const node of blocks.slice(0, -1)) {
      if (node.type !== 'AssignmentNode') throw this.error(node, 'expected `name = expression` before the last line');
      this.assign(node);
    }
    if (last.type === 'AssignmentNode')
      throw this.error(last, 'the formula ends with an assignment: end it with the expression to return');
    return this.expr(last);
  }

  private assign(node: Extract<Ast, { type: 'AssignmentNode' }>): void {
    const target = node.object;
    if (target.type !== 'SymbolNode' || node.index)
      throw this.error(target, 'only a plain name can be assigned, as in `L1 = mean(abs(pred - target))`');
    this.bound.set(target.name, this.expr(node.value));
  }

  private expr(ast: Ast): Node {
    switch (ast.type) {
      case 'ParenthesisNode':
        return this.expr(ast.content);
      case 'ConstantNode':
        if (typeof ast.value === 'number') return constant(this.finite(ast, ast.value));
        if (ast.value === undefined) throw this.error(ast, 'empty formula: expected an expression such as `A*L1 + B*L2`');
        if (typeof ast.value === 'string')
          throw this.error(ast, `unexpected string ${JSON.stringify(ast.value)}: strings only name roles or slots, as in sum(x, "spatial")`);
        throw this.error(ast, `unexpected value ${String(ast.value)}: expected a number`);
      case 'SymbolNode':
        return this.name(ast);
      case 'OperatorNode':
        return this.operator(ast);
      case 'FunctionNode':
        return this.call(ast);
      case 'ArrayNode':
        return constant(ast.items.map((item) => this.number(item, 'each entry of a per-class constant')));
      case 'ConditionalNode':
        return where(this.expr(ast.condition), this.expr(ast.trueExpr), this.expr(ast.falseExpr));
      case 'RelationalNode':
        throw this.error(ast, 'chained comparison: compare two values at a time, as in (a < b) * (b < c)');
      case 'AssignmentNode':
        throw this.error(ast, 'assignment inside an expression: put `name = expression` on its own line before the result');
      default:
        throw this.error(ast, `unsupported syntax (${ast.type.replace(/Node$/, '')}): expected operators ${OPERATOR_LIST} and function calls`);
    }
  }

  private name(ast: Extract<Ast, { type: 'SymbolNode' }>): Node {
    const { names = {}, params } = this.options;
    const name = ast.name;
    const found = this.bound.get(name) ?? (Object.hasOwn(names, name) ? names[name] : undefined);
    if (found) return found;
    if (Array.isArray(params) && params.includes(name)) return param(name);
    if (Object.hasOwn(NAMED_CONSTANTS, name)) return constant(NAMED_CONSTANTS[name]!);
    if (params === 'auto') return param(name);
    const known = [...this.bound.keys(), ...Object.keys(names), ...(Array.isArray(params) ? params : [])];
    const fn = Object.hasOwn(FORMULA_FUNCTIONS, name) ? FORMULA_FUNCTIONS[name] : undefined;
    const hint = fn ? ` ('${name}' is a function: call it as ${fn.usage})` : '';
    throw this.error(
      ast,
      `unknown name '${name}': bind it with the names option or list it in params${hint}; known names: ${known.join(', ') || '(none)'}`,
      name,
    );
  }

  private operator(ast: Extract<Ast, { type: 'OperatorNode' }>): Node {
    const [a, b] = ast.args;
    // a written negative number is a constant: -3 -> const(-3), while -(3) -> neg(const(3))
    if (ast.fn === 'unaryMinus' && a?.type === 'ConstantNode' && typeof a.value === 'number') return constant(-this.finite(a, a.value));
    // e^x -> exp(x)
    if (ast.fn === 'pow' && a?.type === 'SymbolNode' && a.name === 'e' && !this.isBound('e')) return exp(this.expr(b!));
    if (ast.implicit)
      throw this.error(
        ast,
        `implicit multiplication: write the operator, as in ${implicitExample(ast)}; two names side by side are usually a missing + or *`,
      );
    const f = OPERATORS[ast.fn];
    if (!f) throw this.error(ast, `unsupported operator '${ast.op}': expected one of ${OPERATOR_LIST}`, ast.op);
    if (ast.args.length === 2) return this.chain(ast);
    const args = ast.args.map((x) => this.expr(x));
    return this.build(ast, `'${ast.op}'`, () => f(...args));
  }

  /** A left-nested chain of binary operators (a + b - c * d ...) read in a loop: long sums do not recurse. */
  private chain(ast: Extract<Ast, { type: 'OperatorNode' }>): Node {
    const spine: Extract<Ast, { type: 'OperatorNode' }>[] = [];
    let left: Ast = ast;
    while (left.type === 'OperatorNode' && left.args.length === 2 && left.fn !== 'pow' && OPERATORS[left.fn]) {
      spine.push(left);
      left = left.args[0]!;
    }
    if (spine.length === 0) {
      // pow (right-associative; e^x handled above)
      const [a, b] = ast.args.map((x) => this.expr(x));
      return this.build(ast, `'${ast.op}'`, () => OPERATORS[ast.fn]!(a!, b!));
    }
    let result = this.expr(left);
    for (const node of spine.reverse()) {
      const right = this.expr(node.args[1]!);
      const acc = result;
      result = this.build(node, `'${node.op}'`, () => OPERATORS[node.fn]!(acc, right));
    }
    return result;
  }

  private isBound(name: string): boolean {
    const { names = {}, params } = this.options;
    return this.bound.has(name) || Object.hasOwn(names, name) || (Array.isArray(params) && params.includes(name));
  }

  private call(ast: Extract<Ast, { type: 'FunctionNode' }>): Node {
    if (ast.fn.type !== 'SymbolNode') throw this.error(ast, 'only named functions can be called, as in exp(x)');
    const name = ast.fn.name;
    const spec = Object.hasOwn(FORMULA_FUNCTIONS, name) ? FORMULA_FUNCTIONS[name] : undefined;
    if (!spec) {
      const similar = Object.keys(FORMULA_FUNCTIONS).find((f) => f.toLowerCase() === name.toLowerCase());
      const hint = similar ? `did you mean '${similar}'? ` : '';
      throw this.error(ast, `unknown function '${name}': ${hint}expected one of ${Object.keys(FORMULA_FUNCTIONS).join(', ')}`, name);
    }
    const fixed = spec.args.length;
    const least = fixed - (spec.optional ?? 0);
    const count = ast.args.length;
    if (count < least || (count > fixed && !spec.rest)) {
      const expected = spec.rest ? `at least ${least}` : least === fixed ? `${fixed}` : `${least} to ${fixed}`;
      throw this.error(ast, `wrong number of arguments to '${name}': expected ${expected}, as in ${spec.usage}, got ${count}`);
    }
    const args = ast.args.map((arg, i) => this.argument(arg, spec.args[i] ?? spec.rest!, `argument ${i + 1} of ${name}`));
    return this.build(ast, `${name}(...)`, () => spec.build(args));
  }

  private argument(ast: Ast, kind: ArgKind, what: string): Arg {
    switch (kind) {
      case 'expr':
        return this.expr(ast);
      case 'number':
        return this.number(ast, what);
      case 'string':
        return this.string(ast, what);
      case 'roles': {
        const items = unwrap(ast).type === 'ArrayNode' ? (unwrap(ast) as { items: Ast[] }).items : [ast];
        return items.map((item) => {
          const role = this.string(item, `${what} (an axis role)`);
          if (!isRole(role))
            throw this.error(item, `unknown axis role '${role}': expected one of ${ROLES.map((r) => `"${r}"`).join(', ')}`, role);
          return role;
        });
      }
    }
  }

  /** A number literal, possibly negative. */
  private number(ast: Ast, what: string): number {
    const inner = unwrap(ast);
    if (inner.type === 'ConstantNode' && typeof inner.value === 'number') return this.finite(inner, inner.value);
    if (inner.type === 'OperatorNode' && (inner.fn === 'unaryMinus' || inner.fn === 'unaryPlus') && inner.args.length === 1)
      return (inner.fn === 'unaryMinus' ? -1 : 1) * this.number(inner.args[0]!, what);
    throw this.error(ast, `${what}: must be a number literal such as 0.5`);
  }

  private string(ast: Ast, what: string): string {
    const inner = unwrap(ast);
    if (inner.type === 'ConstantNode' && typeof inner.value === 'string') return inner.value;
    throw this.error(ast, `${what}: must be a quoted string such as "spatial"`);
  }

  /** Runs a builder; a role error (or any other) it throws becomes a ParseError at `ast`. */
  private build(ast: Ast, what: string, f: () => Node): Node {
    try {
      return f();
    } catch (error) {
      if (error instanceof ParseError || error instanceof RangeError) throw error;
      const kind = error instanceof ShapeError ? 'role error' : 'invalid arguments';
      throw this.error(ast, `${kind} in ${what}: ${(error as Error).message}`);
    }
  }

  /** A number literal's value, refused unless finite (`NaN`, `Infinity`, and `1e999`, which overflows to Infinity). */
  private finite(ast: Ast, value: number): number {
    if (!Number.isFinite(value))
      throw this.error(ast, `non-finite number ${value}: formulas hold finite constants only (a literal beyond ±1.8e308 overflows to Infinity)`);
    return value;
  }

  private error(ast: Ast, reason: string, unknownName?: string): ParseError {
    this.located ??= locate(this.root, this.text);
    return new ParseError(reason, this.located(ast), this.text, unknownName);
  }
}

function unwrap(ast: Ast): Ast {
  return ast.type === 'ParenthesisNode' ? unwrap(ast.content) : ast;
}

/**
 * Character offsets of mathjs nodes, which carry none. Each node has a head token (a
 * name, an operator, a number, an opening bracket); walking the tree in source order, the
 * k-th node with a given head is matched to the k-th token of that text in the formula.
 */
function locate(root: Ast, text: string): (ast: Ast) => number {
  const tokens = tokenize(text);
  const seen = new Map<string, number>();
  const positions = new Map<Ast, number>();
  const claim = (key: string): number | undefined => {
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return tokens.get(key)?.[k];
  };
  const firstChild = new Map<Ast, Ast>();
  // in-order walk with an explicit stack (formulas can be long): children before the head, the head, children after
  const stack: ({ visit: Ast } | { head: string | undefined; of: Ast })[] = [{ visit: root }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('head' in item) {
      const own = item.head === undefined ? undefined : claim(item.head);
      if (own !== undefined) positions.set(item.of, own);
      continue;
    }
    const ast = item.visit;
    const [head, before, after] = sourceOrder(ast);
    const first = before[0] ?? after[0];
    if (first) firstChild.set(ast, first);
    const order = [...before.map((visit) => ({ visit })), { head, of: ast }, ...after.map((visit) => ({ visit }))];
    for (let i = order.length - 1; i >= 0; i--) stack.push(order[i]!);
  }
  // a node without a head token of its own is where its first child is
  return (ast) => {
    let at: Ast | undefined = ast;
    while (at && !positions.has(at)) at = firstChild.get(at);
    return (at && positions.get(at)) ?? 0;
  };
}

/** A node's head token key, with the children that come before and after it in the text. */
function sourceOrder(ast: Ast): [head: string | undefined, before: Ast[], after: Ast[]] {
  switch (ast.type) {
    case 'ConstantNode':
      return [typeof ast.value === 'string' ? `s:${ast.value}` : `n:${String(ast.value)}`, [], []];
    case 'SymbolNode':
      return [`id:${ast.name}`, [], []];
    case 'ParenthesisNode':
      return ['op:(', [], [ast.content]];
    case 'ArrayNode':
      return ['op:[', [], ast.items];
    case 'FunctionNode':
      return [ast.fn.type === 'SymbolNode' ? `id:${ast.fn.name}` : undefined, [], ast.args];
    case 'OperatorNode':
      // postfix: A' (transpose), n! (factorial)
      if (ast.args.length === 1) return ast.fn === 'transpose' || ast.fn === 'factorial' ? [`op:${ast.op}`, ast.args, []] : [`op:${ast.op}`, [], ast.args];
      return [ast.implicit ? undefined : `op:${ast.op}`, ast.args.slice(0, 1), ast.args.slice(1)];
    case 'ConditionalNode':
      return ['op:?', [ast.condition], [ast.trueExpr, ast.falseExpr]];
    case 'RelationalNode':
      return [undefined, ast.params, []];
    case 'AssignmentNode':
      return [undefined, [ast.object], [ast.value]];
    case 'BlockNode':
      return [undefined, ast.blocks.map((b) => b.node), []];
    default:
      return [undefined, [], []];
  }
}

const WORD_OPERATORS = new Set(['mod', 'to', 'in', 'and', 'or', 'xor', 'not']);
const LONG_OPERATORS = ['>>>', '==', '!=', '<=', '>=', '.*', './', '.^', '<<', '>>', '?.'];

const NUMBER_TOKEN = /0[xXbBoO][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME_TOKEN = /[\p{L}_$][\p{L}\p{N}_$]*/uy;

/** Token heads (as in `locate`) -> their offsets in order. Strings, numbers and names are read like mathjs. */
function tokenize(text: string): Map<string, number[]> {
  const tokens = new Map<string, number[]>();
  const push = (key: string, at: number) => {
    const list = tokens.get(key);
    if (list) list.push(at);
    else tokens.set(key, [at]);
  };
  const sticky = (re: RegExp, at: number): string | undefined => {
    re.lastIndex = at;
    return re.exec(text)?.[0];
  };
  let previousWasName = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    let wasName = false;
    let word: string | undefined;
    // after a value, ' is the transpose operator, not a string
    const afterValue = previousWasName || /[\p{L}\p{N}_$)\]]/u.test(text[i - 1] ?? '');
    if (ch === '"' || (ch === "'" && !afterValue)) {
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      push(`s:${unescapeString(text.slice(i + 1, j), ch)}`, i);
      i = j + 1;
    } else if ((word = sticky(NUMBER_TOKEN, i))) {
      push(`n:${String(Number(word))}`, i);
      i += word.length;
    } else if ((word = sticky(NAME_TOKEN, i))) {
      push(WORD_OPERATORS.has(word) ? `op:${word}` : `id:${word}`, i);
      if (word === 'NaN' || word === 'Infinity') push(`n:${word}`, i);
      wasName = !WORD_OPERATORS.has(word);
      i += word.length;
    } else {
      const op = LONG_OPERATORS.find((o) => text.startsWith(o, i)) ?? ch;
      // a bracket right after a name opens a call or an index, not a group
      push(`op:${(op === '(' || op === '[') && previousWasName ? `call${op}` : op}`, i);
      i += op.length;
    }
    previousWasName = wasName;
  }
  return tokens;
}

function unescapeString(body: string, quote: string): string {
  try {
    return quote === '"' ? (JSON.parse(`"${body}"`) as string) : body.replace(/\\(.)/g, '$1');
  } catch {
    return body;
  }
}
