export { FaultJournal, type FaultRecord, readFaultJournal } from './journal.js';
export { sdkFaults } from './sdk.js';
export {
  FAULT_CLASSES,
  type FaultClass,
  FaultDice,
  type FaultSpec,
  FaultSpecError,
  type FaultTrigger,
  formatFaultSpec,
  isFaultSpecError,
  parseFaultSpec,
} from './spec.js';
