export { type CdfChartOptions, type CdfSeries, renderCdfSvg } from './chart.js';
export {
  type CostLine,
  costPerMillion,
  loadPricing,
  type ModeCost,
  Pricing,
  pricingPath,
} from './cost.js';
export {
  type LoadTestOptions,
  type LoadTestResult,
  loadtestCommand,
  type RemoteTarget,
  runLoadTest,
} from './loadtest.js';
export {
  classify,
  installSdkMeter,
  type MeterResources,
  type MeterRow,
  type Mode,
  type ObservedCall,
  type SdkMeterHandle,
  type Unit,
  type Units,
  UsageMeter,
} from './meter.js';
export { type LoadTestReport, type ModeReport, renderMarkdown, renderTable } from './report.js';
export { type LatencySummary, peakRate, ratios, summarize } from './stats.js';
