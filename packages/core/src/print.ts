import { type Node, topoSort } from './ir/node.js';
import type { Op } from './ir/ops.js';
import { ALL_ROLES, type Roles, sameRoles } from './ir/roles.js';

/**
 * Binding strength of printed forms, as mathjs reads them: comparisons < + - < * / < unary
 * minus < ^ < atoms (names, numbers, calls, brackets). `-x^2` is -(x^2) and `2^-x` is 2^(-x).
 */
const Precedence = { compare: 0, add: 1, mul: 2, unary: 3, pow: 4, atom: 5 } as const;
type Level = (typeof Precedence)[keyof typeof Precedence];

/** Infix operators: symbol, level, and the least level each operand may have without parentheses. */
const INFIX: Partial<Record<Op, { symbol: string; level: Level; left: Level; right: Level }>> = {
  add: { symbol: '+', level: 1, left: 1, right: 2 }, // left-associative: a + (b + c) keeps its brackets
  sub: { symbol: '-', level: 1, left: 1, right: 2 },
  mul: { symbol: '*', level: 2, left: 2, right: 3 },
  div: { symbol: '/', level: 2, left: 2, right: 3 },
  pow: { symbol: '^', level: 4, left: 5, right: 3 }, // right-associative, exponent may be negated
  gt: { symbol: '>', level: 0, left: 1, right: 1 }, // a < b < c is a chain in mathjs: never print it
  ge: { symbol: '>=', level: 0, left: 1, right: 1 },
  lt: { symbol: '<', level: 0, left: 1, right: 1 },
  le: { symbol: '<=', level: 0, left: 1, right: 1 },
  eq: { symbol: '==', level: 0, left: 1, right: 1 },
};

/**
 * Shortest decimal that reads back as exactly the same float64 (JS's own number formatting), -0 kept.
 *
 * @example
 * ```ts
 * import { formatNumber } from '@losskit/core';
 * formatNumber(0.25); // '0.25'
 * ```
 */
export function formatNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

const RESERVED = new Set(['mod', 'to', 'in', 'and', 'or', 'xor', 'not', 'true', 'false', 'null', 'undefined', 'NaN', 'Infinity']);

/** Whether a leaf name can be printed bare (mathjs reads it as one symbol). */
function isPlainName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name);
}

const quote = (s: string): string => JSON.stringify(s);
const roleArgs = (roles: Roles): string => roles.map((r) => `, ${quote(r)}`).join('');
const roleList = (roles: Roles): string => `[${roles.map(quote).join(', ')}]`;

interface Printed {
  readonly text: string;
  readonly level: Level;
}

/**
 * Options of `print`.
 *
 * @example
 * ```ts
 * import { gradient, input, mean, print, type PrintOptions, square } from '@losskit/core';
 * const options: PrintOptions = { share: true };
 * print(gradient(mean(square(input('x'))), input('x')), options);
 * ```
 */
export interface PrintOptions {
  /**
   * Write each subexpression used more than once as a line `t1 = ...` before the result, so
   * the text grows with the graph, not with the tree it unfolds to (derivatives share a lot);
   * and each one nested more than 64 levels deep, so the text of a graph of any depth parses
   * back (a single expression nested a few hundred levels deep is beyond the parser's stack).
   * `parse` reads the lines back as bindings. Default false: one expression.
   */
  readonly share?: boolean;
}

/**
 * Prints a graph as a formula that `parse` reads back to the same node, given the graph's
 * input, param and state leaves by name (`leaves`). Minimal parentheses. Inputs, params and
 * states print by name (spelled out as `input("name", [roles])` etc. when the name is not an
 * identifier); numbers print exactly (`-3` is the constant, `-(3)` is neg of 3); a per-class
 * constant prints as `[1, 2]`; reductions name their roles unless they reduce every role of
 * their operand. Without `share`, a shared subexpression prints once per use.
 *
 * @example
 * ```ts
 * import { input, mean, parse, print, square } from '@losskit/core';
 * const text = print(mean(square(input('x')))); // 'mean(square(x))'
 * parse(text, { names: { x: input('x') } }); // the same node again
 * ```
 */
export function print(root: Node, options: PrintOptions = {}): string {
  const memo = new Map<Node, Printed>();
  const show = (node: Node): Printed => {
    let found = memo.get(node);
    if (!found) memo.set(node, (found = printNode(node, show)));
    return found;
  };
  const order = topoSort([root]);
  // arguments before users: each show() finds its arguments printed, so long chains do not recurse
  if (!options.share) {
    for (const node of order) show(node);
    return show(root).text;
  }

  const uses = new Map<Node, number>();
  for (const node of order) for (const a of new Set(node.args)) uses.set(a, (uses.get(a) ?? 0) + 1);
  // how deeply the text of each node nests (named nodes nest 0), see SHARE_NESTING
  const nesting = new Map<Node, number>();
  const nestingOf = (node: Node): number =>
    Math.max(0, ...node.args.map((a, i) => nesting.get(a)! + (continuesChain(node, i) ? 0 : 1)));
  // temporaries are named t1, t2, ... unless a leaf already has such a name
  let prefix = 't';
  while (order.some((n) => n.attrs.name !== undefined && new RegExp(`^${prefix}\\d+$`).test(n.attrs.name))) prefix = `_${prefix}`;
  const lines: string[] = [];
  for (const node of order) {
    nesting.set(node, nestingOf(node));
    if (node === root || node.args.length === 0 || ((uses.get(node) ?? 0) < 2 && nesting.get(node)! < SHARE_NESTING)) {
      show(node);
      continue;
    }
    nesting.set(node, 0);
    const name = `${prefix}${lines.length + 1}`;
    lines.push(`${name} = ${show(node).text}`);
    memo.set(node, { text: name, level: 5 });
  }
  return [...lines, show(root).text].join('\n');
}

/**
 * With `share`, a subexpression whose text would nest this deeply is written as a line of its
 * own too: mathjs's parser recurses once per nesting level (a few hundred exp(...) or a - (b - ...)
 * levels exhaust its stack), so shared text of any depth reads back. A left-associative chain
 * (a + b - c + ..., a * b / c * ...) is a loop for it, not nesting.
 */
const SHARE_NESTING = 64;

/** Whether argument i of node prints as the continuation of a left-associative chain (a + b) + c. */
function continuesChain(node: Node, i: number): boolean {
  const op = INFIX[node.op];
  const arg = INFIX[node.args[i]!.op];
  return i === 0 && op !== undefined && arg !== undefined && (op.level === 1 || op.level === 2) && arg.level === op.level;
}

function printNode(node: Node, show: (n: Node) => Printed): Printed {
  const at = (child: Node, least: Level): string => {
    const p = show(child);
    return p.level < least ? `(${p.text})` : p.text;
  };
  const call = (name: string, ...args: string[]): Printed => ({ text: `${name}(${args.join(', ')})`, level: 5 });
  const arg = (i: number): string => show(node.args[i]!).text;
  const { attrs } = node;

  const infix = INFIX[node.op];
  if (infix)
    return { text: `${at(node.args[0]!, infix.left)} ${infix.symbol} ${at(node.args[1]!, infix.right)}`, level: infix.level };

  switch (node.op) {
    case 'const': {
      const value = attrs.value!;
      if (typeof value !== 'number') return { text: `[${value.map(formatNumber).join(', ')}]`, level: 5 };
      const text = formatNumber(value);
      return { text, level: text.startsWith('-') ? 3 : 5 };
    }
    case 'input':
      return isPlainName(attrs.name!)
        ? { text: attrs.name!, level: 5 }
        : call('input', quote(attrs.name!), roleList(attrs.roles ?? ALL_ROLES));
    case 'state':
      return isPlainName(attrs.name!) ? { text: attrs.name!, level: 5 } : call('state', quote(attrs.name!), roleList(attrs.roles ?? []));
    case 'param':
      if (isPlainName(attrs.name!)) return { text: attrs.name!, level: 5 };
      return attrs.default === undefined
        ? call('param', quote(attrs.name!))
        : call('param', quote(attrs.name!), formatNumber(attrs.default));
    case 'size':
      return { text: `size(${attrs.roles!.map(quote).join(', ')})`, level: 5 };
    case 'neg': {
      // a number right after the minus would read back as a negative constant: -(3)
      const x = node.args[0]!;
      const operand = x.op === 'const' && typeof x.attrs.value === 'number' ? `(${show(x).text})` : at(x, 4);
      return { text: `-${operand}`, level: 3 };
    }
    case 'elu':
      return attrs.alpha === 1 ? call('elu', arg(0)) : call('elu', arg(0), formatNumber(attrs.alpha!));
    case 'sum':
    case 'mean': {
      const x = node.args[0]!;
      return { text: `${node.op}(${arg(0)}${sameRoles(attrs.roles!, x.roles) ? '' : roleArgs(attrs.roles!)})`, level: 5 };
    }
    case 'ema':
      return call('ema', arg(0), arg(1), quote(attrs.slot!));
    case 'sortBy':
    case 'unsortBy':
    case 'cumsum':
      return { text: `${node.op}(${node.args.map((_, i) => arg(i)).join(', ')}${roleArgs(attrs.roles!)})`, level: 5 };
    default:
      // exp(x), min(a, b), where(c, a, b), softmax(x), broadcastLike(g, like), ...
      return call(node.op, ...node.args.map((_, i) => arg(i)));
  }
}
