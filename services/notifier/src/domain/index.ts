export { formatMoney, maskedAccount, maskedCard } from './format.js';
export {
  DEFAULT_LARGE_WITHDRAWAL_THRESHOLD,
  NOTIFICATION_KINDS,
  Notification,
  NotificationKind,
  type NotificationSettings,
  notificationIdOf,
} from './notification.js';
export { notificationsFor, subjectOf } from './notificationsFor.js';
