export {
  type AtmLedgerStacks,
  addStatefulStack,
  addStatelessStack,
  type BuildOptions,
  buildAtmLedger,
  enableNag,
} from './app.js';
export { collectBundleSizes, formatBundleSizes } from './bundle-sizes.js';
export { ConfigError, type DeploymentConfig, readDeploymentConfig } from './config.js';
export { StatefulStack } from './stateful-stack.js';
export { StatelessStack } from './stateless-stack.js';
