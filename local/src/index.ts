export { type LocalCloud, type LocalCloudOptions, startLocalCloud } from './cloud.js';
export * from './esm/index.js';
export { type GatewayOptions, type HttpHandler, LocalGateway } from './gateway/gateway.js';
export * from './moto/index.js';
export { LOCAL_NOTIFICATIONS_ROUTE, makeLocalNotificationsRoute } from './notifications.js';
export { type RedriveOptions, type RedriveResult, redrive } from './ops/redrive.js';
export * from './pipe/index.js';
export {
  ensureResources,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalResources,
  resourceNames,
} from './resources.js';
export * from './sqs/index.js';
export {
  ensurePublicationTopology,
  type NotifierQueue,
  type PublicationNames,
  type PublicationTopology,
  publicationNames,
  type QueueRef,
} from './topology.js';
