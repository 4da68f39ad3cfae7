import type { Analysis } from '../analysis.js';
import { contourAnalysis } from './contours.js';
import { covariateAnalysis } from './covariates.js';
import { equationSurfaceAnalysis } from './equation-surfaces.js';
import { gradientDescentAnalysis } from './gradient-descent.js';
import { groupLassoAnalysis } from './group-lasso-scatter.js';
import { histogramAnalysis } from './histograms.js';
import { landscapeAnalysis } from './landscape.js';
import { seedAnalysis } from './seeds.js';

/** Every analysis of the report, in the order of the paper's figures. */
export function buildAnalyses(options: { resultsPath?: string } = {}): Analysis[] {
  return [
    landscapeAnalysis(),
    contourAnalysis(),
    histogramAnalysis(),
    groupLassoAnalysis(),
    equationSurfaceAnalysis(),
    gradientDescentAnalysis(),
    covariateAnalysis(),
    seedAnalysis(options.resultsPath),
  ];
}
