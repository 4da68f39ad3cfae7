// The page: formula editor with live LaTeX, parameter inputs, and the training run with its curves and masks.
import 'katex/dist/katex.min.css';
import './style.css';
import katex from 'katex';
import { drawChart } from './charts.js';
import { type Formula, formulaProblem, readFormula } from './formula.js';
import { argmaxClasses, drawMasks } from './masks.js';
import { TERMS } from './terms.js';
import { HELD_OUT, MODEL, type StepReport, train } from './train.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const formulaBox = $<HTMLTextAreaElement>('formula');
const problem = $<HTMLDivElement>('problem');
const math = $<HTMLDivElement>('math');
const paramsBox = $<HTMLDivElement>('params');
const trainButton = $<HTMLButtonElement>('train');
const status = $<HTMLSpanElement>('status');
const lossChart = $<HTMLCanvasElement>('loss-chart');
const iouChart = $<HTMLCanvasElement>('iou-chart');
const masks = $<HTMLCanvasElement>('masks');

$('names').innerHTML = Object.entries(TERMS)
  .map(([name, t]) => `<code title="${t.description}">${name}</code>`)
  .join(', ');

const render = (tex: string, element: HTMLElement) => katex.render(tex, element, { throwOnError: false, displayMode: false });

let current: Formula | undefined;
const paramValues = new Map<string, number>();

/** Re-reads the formula: LaTeX and derivatives, parameter inputs, or the parser's message. */
function update(): void {
  try {
    current = readFormula(formulaBox.value);
  } catch (error) {
    current = undefined;
    problem.textContent = formulaProblem(error);
    problem.hidden = false;
    math.hidden = true;
    trainButton.disabled = true;
    return;
  }
  problem.hidden = true;
  math.hidden = false;
  trainButton.disabled = running;
  render(current.latex, $('latex'));
  const list = $('derivatives');
  list.replaceChildren(
    ...current.derivatives.map((d) => {
      const row = document.createElement('div');
      row.className = 'row';
      const label = document.createElement('span');
      label.className = 'label';
      render(`\\frac{\\partial L}{\\partial ${d.name === 'pred' ? '\\mathrm{pred}' : `\\mathrm{${d.name}}`}} =`, label);
      const value = document.createElement('span');
      render(d.latex, value);
      row.append(label, value);
      return row;
    }),
  );
  paramsBox.replaceChildren(
    ...current.params.map((name) => {
      const label = document.createElement('label');
      label.textContent = `${name} = `;
      const field = document.createElement('input');
      field.type = 'number';
      field.step = 'any';
      field.value = String(paramValues.get(name) ?? 0.5);
      paramValues.set(name, Number(field.value));
      field.addEventListener('input', () => paramValues.set(name, Number(field.value)));
      label.append(field);
      return label;
    }),
  );
}

let running = false;
let stopRequested = false;

async function run(): Promise<void> {
  if (running) {
    stopRequested = true;
    return;
  }
  const formula = current;
  if (!formula) return;
  const steps = Math.max(1, Math.min(500, Math.round(Number($<HTMLInputElement>('steps').value) || 40)));
  const settings = {
    loss: formula.loss,
    params: Object.fromEntries(formula.params.map((p) => [p, paramValues.get(p) ?? 0.5])),
    steps,
    optimizer: $<HTMLSelectElement>('optimizer').value as 'sgd' | 'adam',
    learningRate: Number($<HTMLInputElement>('lr').value),
  };
  running = true;
  stopRequested = false;
  trainButton.textContent = 'Stop';
  document.body.dataset.state = 'training';
  const losses: [number, number][] = [];
  const batchIoU: [number, number][] = [];
  const heldOutIoU: [number, number][] = [];
  const plane = HELD_OUT.shape[2] * HELD_OUT.shape[3];
  const onStep = (r: StepReport) => {
    if (r.step > 0) {
      losses.push([r.step, r.loss]);
      batchIoU.push([r.step, r.batchIoU]);
    }
    if (r.heldOut) {
      heldOutIoU.push([r.step, r.heldOut.iou]);
      drawMasks(masks, HELD_OUT, 4, argmaxClasses(r.heldOut.logits, 4, MODEL.numClasses, plane));
    }
    drawChart(lossChart, [{ points: losses, color: '#c0392b' }], steps);
    drawChart(iouChart, [{ points: batchIoU, color: '#9ecae1' }, { points: heldOutIoU, color: '#08519c' }], steps, [0, 1]);
    lossChart.dataset.losses = JSON.stringify(losses.map((p) => p[1]));
    iouChart.dataset.heldOut = JSON.stringify(heldOutIoU.map((p) => p[1]));
    const last = heldOutIoU[heldOutIoU.length - 1]?.[1] ?? 0;
    status.textContent = r.step === 0 ? 'building the training graph…' : `step ${r.step}/${steps}: loss ${r.loss.toFixed(4)}, held-out mIoU ${last.toFixed(3)}`;
  };
  try {
    const trainer = await train(settings, onStep, () => stopRequested);
    status.textContent += ` (${trainer.runtime} ${trainer.provider})`;
    document.body.dataset.state = 'done';
    await trainer.release();
  } catch (error) {
    status.textContent = `training failed: ${(error as Error).message}`;
    document.body.dataset.state = 'failed';
  } finally {
    running = false;
    trainButton.textContent = 'Train';
    trainButton.disabled = current === undefined;
  }
}

formulaBox.addEventListener('input', update);
trainButton.addEventListener('click', () => void run());
drawChart(lossChart, [], 1);
drawChart(iouChart, [], 1, [0, 1]);
drawMasks(masks, HELD_OUT, 4);
update();
document.body.dataset.state = 'ready';
