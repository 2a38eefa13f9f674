import * as z from 'zod';
import {
  adviceWithoutAuthorization,
  BalanceInquiryRequest,
  DepositRequest,
  ReversalFields,
  reversalRules,
  TransferRequest,
  WithdrawalFields,
} from './api.js';
import { PanLast4 } from './primitives.js';

const onStream = <S extends z.ZodObject>(request: S) =>
  request.omit({ pan: true } as never).extend({ panLast4: PanLast4.optional() });

/**
 * The per-type shape of a transaction on the stream: exactly the request's
 * rules (amount and currency where money moves, a destination for a transfer,
 * an original for a reversal), with the PAN reduced to its last 4 digits.
 * The ledger checks records against it so a record that could never be posted
 * is parked as poison instead of failing forever.
 */
export const AtmTransactionShape = z.discriminatedUnion('type', [
  onStream(WithdrawalFields).superRefine(adviceWithoutAuthorization),
  onStream(DepositRequest),
  onStream(TransferRequest),
  onStream(BalanceInquiryRequest),
  onStream(ReversalFields).superRefine(reversalRules),
]);
