// The scenario modules of bench/run.ts beyond its own A–H code (bench/README.md lists them all).
export { AGGREGATED_SCENARIOS, aggregatedScenarios } from './aggregated';
export { CONFIGURATION_SCENARIOS, configurationScenarios } from './configurations';
export { ROLLUP_SCENARIOS, rollupScenario } from './rollup';
export { SERIES_SCENARIOS, seriesScenarios } from './series';
