export { type ParsedMessage, parseLedgerEventMessage } from './messages.js';
