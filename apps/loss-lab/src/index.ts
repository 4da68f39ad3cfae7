export type { Analysis, Table } from './analysis.js';
export { buildAnalyses } from './analyses/index.js';
export { writeReport } from './report.js';
export { LOSS_METHODS, type LossMethod, surfaceUnderMethod } from './methods.js';
export { PAPER_EQUATIONS } from './equations.js';
export { fitGroupLasso, groupSoftThreshold } from './model/group-lasso.js';
