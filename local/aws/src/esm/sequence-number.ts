/**
 * Kinesis and DynamoDB Streams sequence numbers are decimal strings of up to
 * 129 digits: far past `Number.MAX_SAFE_INTEGER`, and string order is wrong
 * as soon as two of them differ in length. Every comparison goes through
 * BigInt.
 */

/** Width of {@link sortableSequenceNumber}; Kinesis allows `0|[1-9]\d{0,128}`. */
const SORTABLE_WIDTH = 129;

export function compareSequenceNumbers(a: string, b: string): -1 | 0 | 1 {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Zero-padded form whose byte order equals numeric order, so a DynamoDB
 * condition expression (which can only compare strings byte-wise, and whose
 * numbers stop at 38 digits) can enforce that a checkpoint only moves forward.
 */
export function sortableSequenceNumber(sequenceNumber: string): string {
  if (!/^(0|[1-9]\d{0,128})$/.test(sequenceNumber)) {
    throw new RangeError(`not a stream sequence number: ${JSON.stringify(sequenceNumber)}`);
  }
  return sequenceNumber.padStart(SORTABLE_WIDTH, '0');
}
