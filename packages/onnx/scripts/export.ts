/**
 * Writes .onnx files for every catalogue loss and the paper's 27 experiments.
 *   pnpm --filter @losskit/onnx export --out dir [--layout NHWC] [--classes 3]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportModels } from '../src/export-models.js';
import type { LayoutName } from '../src/layout.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'onnx-models' },
    layout: { type: 'string', default: 'NCHW' },
    classes: { type: 'string', default: '3' },
  },
});
const layout = values.layout as LayoutName;
if (layout !== 'NCHW' && layout !== 'NHWC') throw new Error(`--layout must be NCHW or NHWC, got ${values.layout}`);
const numClasses = Number(values.classes);
if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`--classes must be an integer >= 2, got ${values.classes}`);
const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
const models = await exportModels(out, { layout, numClasses });
for (const m of models) console.log(`${m.file.padEnd(72)} ${String(m.nodeCount).padStart(4)} nodes`);
console.log(`wrote ${models.length} models and index.json to ${out}`);
