import { type Node, topoSort } from './ir/node.js';
import type { Op } from './ir/ops.js';
import type { Roles } from './ir/roles.js';
import { sameRoles } from './ir/roles.js';

/** Binding strength, as in print.ts: comparisons < + - < * < unary minus < ^ < atoms. */
type Level = 0 | 1 | 2 | 3 | 4 | 5;
interface Latex {
  readonly tex: string;
  readonly level: Level;
}

/** Infix operators: LaTeX symbol, level, least operand levels without parentheses. */
const INFIX: Partial<Record<Op, { symbol: string; level: Level; left: Level; right: Level }>> = {
  add: { symbol: '+', level: 1, left: 1, right: 2 },
  sub: { symbol: '-', level: 1, left: 1, right: 2 },
  mul: { symbol: '\\cdot', level: 2, left: 2, right: 3 },
};

/** Functions written as an operator name applied to a bracketed argument. */
const NAMED: Partial<Record<Op, string>> = {
  exp: '\\exp',
  log: '\\log',
  tanh: '\\tanh',
  sign: '\\operatorname{sign}',
  relu: '\\operatorname{ReLU}',
  sigmoid: '\\sigma',
  softplus: '\\operatorname{softplus}',
  stopGradient: '\\operatorname{sg}',
  softmax: '\\operatorname{softmax}',
  logSoftmax: '\\log\\operatorname{softmax}',
  min: '\\min',
  max: '\\max',
};

/** Comparisons give 1 or 0: an Iverson bracket [a > b]. */
const COMPARE: Partial<Record<Op, string>> = { gt: '>', ge: '\\geq', lt: '<', le: '\\leq', eq: '=' };

const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu',
  'xi', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega', 'Gamma', 'Delta', 'Theta', 'Lambda',
  'Xi', 'Pi', 'Sigma', 'Phi', 'Psi', 'Omega',
]);

const escapeText = (s: string): string => s.replace(/([\\{}_^#$%&~])/g, (c) => (c === '\\' ? '\\textbackslash{}' : `\\${c}`));

/**
 * A leaf name in math style: L1 -> L_{1}, y_true -> y_{\mathrm{true}}, alpha -> \alpha, pred -> \mathrm{pred}.
 *
 * @example
 * ```ts
 * import { latexName } from '@losskit/core';
 * latexName('L1'); // a LaTeX rendering of the name
 * ```
 */
export function latexName(name: string): string {
  const word = (w: string): string => (GREEK.has(w) ? `\\${w}` : w.length === 1 ? w : `\\mathrm{${escapeText(w)}}`);
  const digits = /^([A-Za-z]+)(\d+)$/.exec(name);
  if (digits) return `${word(digits[1]!)}_{${digits[2]}}`;
  const under = /^([A-Za-z]+)_([A-Za-z0-9]+)$/.exec(name);
  if (under) return `${word(under[1]!)}_{${word(under[2]!)}}`;
  return /^[A-Za-z]+$/.test(name) ? word(name) : `\\mathrm{${escapeText(name)}}`;
}

/** 1e-7 -> 1 \cdot 10^{-7}; integers and plain decimals as they are. */
function latexNumber(value: number): string {
  if (Number.isNaN(value)) return '\\mathrm{NaN}';
  if (!Number.isFinite(value)) return value > 0 ? '\\infty' : '-\\infty';
  const text = Object.is(value, -0) ? '-0' : String(value);
  const sci = /^(-?[\d.]+)e([+-]\d+)$/.exec(text);
  return sci ? `${sci[1]} \\cdot 10^{${Number(sci[2])}}` : text;
}

const roleText = (roles: Roles): string => roles.map((r) => `\\text{${r}}`).join(',');

/**
 * Readable LaTeX for a graph: fractions, \exp, \sqrt{}, |x|, \operatorname{ReLU}, sums and
 * means with their roles as subscripts, Iverson brackets for comparisons, cases for where.
 * For reading, not for parsing back (see `print`).
 *
 * @example
 * ```ts
 * import { input, mean, square, toLatex } from '@losskit/core';
 * toLatex(mean(square(input('x')))); // LaTeX source, e.g. for KaTeX
 * ```
 */
export function toLatex(root: Node): string {
  const memo = new Map<Node, Latex>();
  const show = (node: Node): Latex => {
    let found = memo.get(node);
    if (!found) memo.set(node, (found = latexNode(node, show)));
    return found;
  };
  // arguments before users, so long chains do not recurse
  for (const node of topoSort([root])) show(node);
  return show(root).tex;
}

function latexNode(node: Node, show: (n: Node) => Latex): Latex {
  const paren = (tex: string): string => `\\left(${tex}\\right)`;
  const at = (child: Node, least: Level): string => {
    const l = show(child);
    return l.level < least ? paren(l.tex) : l.tex;
  };
  const arg = (i: number): string => show(node.args[i]!).tex;
  // a fraction or a bracketed call under an exponent reads better in parentheses
  const base = (child: Node): string => `{${child.op === 'div' || NAMED[child.op] ? paren(show(child).tex) : at(child, 5)}}`;
  const atom = (tex: string): Latex => ({ tex, level: 5 });
  const { attrs } = node;

  const infix = INFIX[node.op];
  if (infix) {
    // a + (-b): a negated right operand keeps its brackets so the signs stay readable
    const right = show(node.args[1]!);
    const rightTex = right.level < infix.right || right.tex.startsWith('-') ? paren(right.tex) : right.tex;
    return { tex: `${at(node.args[0]!, infix.left)} ${infix.symbol} ${rightTex}`, level: infix.level };
  }
  const named = NAMED[node.op];
  if (named) return atom(`${named}${paren(node.args.map((_, i) => arg(i)).join(', '))}`);
  const compare = COMPARE[node.op];
  if (compare) return atom(`\\left[${arg(0)} ${compare} ${arg(1)}\\right]`);

  switch (node.op) {
    case 'const': {
      const value = attrs.value!;
      if (typeof value !== 'number') return atom(`\\left[${value.map(latexNumber).join(', ')}\\right]`);
      const tex = latexNumber(value);
      return { tex, level: tex.startsWith('-') ? 3 : tex.includes('\\cdot') ? 2 : 5 };
    }
    case 'input':
    case 'param':
    case 'state':
      return atom(latexName(attrs.name!));
    case 'size':
      return atom(attrs.roles!.length === 0 ? '1' : `n_{${roleText(attrs.roles!)}}`);
    case 'neg':
      return { tex: `-${at(node.args[0]!, 4)}`, level: 3 };
    case 'div':
      return atom(`\\frac{${arg(0)}}{${arg(1)}}`);
    case 'pow':
      return { tex: `${base(node.args[0]!)}^{${arg(1)}}`, level: 4 };
    case 'square':
      return { tex: `${base(node.args[0]!)}^{2}`, level: 4 };
    case 'sqrt':
      return atom(`\\sqrt{${arg(0)}}`);
    case 'abs':
      return atom(`\\left|${arg(0)}\\right|`);
    case 'log1p':
      return atom(`\\log${paren(`1 + ${arg(0)}`)}`);
    case 'elu':
      return atom(`\\operatorname{eLU}${attrs.alpha === 1 ? '' : `_{${latexNumber(attrs.alpha!)}}`}${paren(arg(0))}`);
    case 'sum':
    case 'mean': {
      const all = sameRoles(attrs.roles!, node.args[0]!.roles);
      const op = node.op === 'sum' ? '\\sum' : '\\operatorname{mean}';
      return { tex: `${op}${all ? '' : `_{${roleText(attrs.roles!)}}`} ${paren(arg(0))}`, level: 2 };
    }
    case 'where': {
      const c = node.args[0]!;
      const cond = COMPARE[c.op] ? `${show(c.args[0]!).tex} ${COMPARE[c.op]} ${show(c.args[1]!).tex}` : `${arg(0)} \\neq 0`;
      return atom(`\\begin{cases} ${arg(1)} & \\text{if } ${cond} \\\\ ${arg(2)} & \\text{otherwise} \\end{cases}`);
    }
    case 'broadcastLike':
      // broadcasting is implicit in the notation
      return show(node.args[0]!);
    case 'ema':
      return atom(`\\operatorname{EMA}_{${arg(1)}}${paren(arg(0))}`);
    case 'sortBy':
      return atom(`\\operatorname{sort}_{${arg(0)} \\downarrow}${paren(arg(1))}`);
    case 'unsortBy':
      return atom(`\\operatorname{sort}^{-1}_{${arg(0)} \\downarrow}${paren(arg(1))}`);
    case 'cumsum':
      return atom(`\\operatorname{cumsum}_{${roleText(attrs.roles!)}}${paren(arg(0))}`);
    default:
      throw new Error(`toLatex: no LaTeX form for op '${node.op}'`);
  }
}
