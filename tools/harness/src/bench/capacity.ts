import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB item size, by the published rules: attribute names plus values;
 * strings and binaries by UTF-8 length; numbers ~1 byte per 2 digits + 1;
 * lists and maps 3 bytes of overhead plus 1 per element, plus their contents.
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + 1 + valueSize(e), 0);
  if (v.M !== undefined) {
    return (
      3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + valueSize(e), 0)
    );
  }
  return 0;
}

/** Write units of a standard write: 1 per KB, rounded up. */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
/** Read units of a strongly consistent read: 1 per 4 KB, rounded up. */
export const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));
