// A typed formula -> what the page shows (LaTeX of the formula and of its simplified partial
// derivatives) and what it trains (the same formula with each name bound to its loss).
import { type Node, ParseError, gradient, input, leaves, parse, simplify, toLatex } from '@losskit/core';
import { TERMS, termExpressions } from './terms.js';

export interface Formula {
  readonly text: string;
  /** The formula over the terms as scalar symbols. */
  readonly latex: string;
  /** d formula / d term for every term (and `pred`, `target`) it uses, simplified. */
  readonly derivatives: readonly { readonly name: string; readonly latex: string }[];
  /** Free names: scalar params the page asks values for. */
  readonly params: readonly string[];
  /** The loss to train: terms bound to their expressions over logits `pred` and one-hot `target`. */
  readonly loss: Node;
}

const dense = TERMS.Dice!.loss.expr;
/** `pred` (logits) and `target` (one-hot), with the roles the catalogue losses give them. */
const TENSORS: Record<string, Node> = Object.fromEntries(['pred', 'target'].map((n) => [n, leaves([dense], 'input').get(n)!]));

/** Reads a formula; throws the parser's ParseError, or an Error naming what makes it untrainable. */
export function readFormula(text: string): Formula {
  const symbols: Record<string, Node> = { ...Object.fromEntries(Object.keys(TERMS).map((n) => [n, input(n)])), ...TENSORS };
  const shown = parse(text, { names: symbols, params: 'auto' });
  const loss = parse(text, { names: { ...termExpressions(), ...TENSORS }, params: 'auto' });
  if (loss.roles.length > 0)
    throw new Error(`the formula spans ${loss.roles.join(', ')}: a loss must be one number (wrap it in mean(...) or sum(...))`);
  const used = leaves([shown], 'input');
  const wrt = [...used.keys()].filter((n) => n !== 'target');
  if (wrt.length === 0)
    throw new Error(`the formula uses none of ${[...Object.keys(TERMS), 'pred'].join(', ')}: there is nothing to train`);
  return {
    text,
    latex: toLatex(shown),
    derivatives: wrt.map((name) => ({ name, latex: toLatex(simplify(gradient(shown, used.get(name)!))) })),
    params: [...leaves([loss], 'param').keys()].sort(),
    loss,
  };
}

/** The message to show for a formula that cannot be read. */
export const formulaProblem = (error: unknown): string =>
  error instanceof ParseError || error instanceof Error ? error.message : String(error);
