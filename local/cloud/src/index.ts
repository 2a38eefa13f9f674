export {
  LOCAL_FUNCTION_ENV,
  type LocalCloud,
  type LocalCloudOptions,
  startLocalCloud,
} from './cloud.js';
export { type LocalEnv, localEnv, readLocalEnv, silenceSdkNodeVersionWarning } from './config.js';
export { ledgerEventsPipeConfig } from './ledger-events-pipe.js';
export {
  LOCAL_NOTIFICATIONS_ROUTE,
  makeLocalNotificationsRoute,
  readNotifications,
} from './notifications.js';
export {
  ensurePkSkTable,
  ensureResources,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalResources,
  localLedgerNames,
  NOTIFIER_VISIBILITY_TIMEOUT_SECONDS,
  type ResourceNames,
  resourceNames,
} from './resources.js';
export {
  ensurePublicationTopology,
  type NotifierQueue,
  type PublicationNames,
  type PublicationTopology,
  type PublicationTopologyOptions,
  publicationNames,
  type QueueRef,
} from './topology.js';
