/**
 * Writes every character outside printable ASCII as a `\uXXXX` escape (UTF-16
 * code units, so a surrogate pair becomes two escapes). Inside JSON text the
 * result parses back to the same value; in plain text it is a readable,
 * single-line excerpt. Either way SQS accepts it: it refuses some code points
 * (U+FFFE, U+FFFF, most controls), and a hostile record may hold them.
 */
export function escapeNonAscii(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
