/** Writes docs/derivatives.md from the core's symbolic derivatives of the paper's equations. */
import { writeFileSync } from 'node:fs';
import { derivativeReport } from '../src/paper/derivative-report.js';

const target = new URL('../../../docs/derivatives.md', import.meta.url);
writeFileSync(target, derivativeReport());
console.log(`wrote ${target.pathname}`);
