/**
 * Runs of 12 to 19 digits, optionally split by single spaces or dashes (how a
 * card number is written), anywhere in the text. Deliberately wider than a
 * Luhn-valid PAN: a mistyped card number is just as sensitive, and what this
 * masks is a diagnostic copy, not the ledger's data.
 */
const PAN_LIKE = /\d(?:[ -]?\d){11,18}/g;

/**
 * Replaces every digit of a PAN-like run except the last four with `*`, so a
 * poison record parked for an operator keeps its shape and its last four
 * digits (what PCI DSS allows to be shown) but never a card number. Other
 * characters are left as they are, so the masked copy is as long as the
 * original.
 */
export function maskPans(text: string): { readonly text: string; readonly masked: number } {
  let masked = 0;
  const out = text.replace(PAN_LIKE, (run) => {
    masked++;
    let keep = 4;
    const chars = [...run];
    for (let i = chars.length - 1; i >= 0; i--) {
      const c = chars[i] ?? '';
      if (c < '0' || c > '9') continue;
      if (keep > 0) keep--;
      else chars[i] = '*';
    }
    return chars.join('');
  });
  return { text: out, masked };
}

/**
 * {@link maskPans} over base64 data, byte for byte: the bytes are read as
 * latin1 (one character per byte), so binary data survives untouched apart
 * from the masked digits.
 */
export function maskPansInBase64(data: string): { readonly data: string; readonly masked: number } {
  const { text, masked } = maskPans(Buffer.from(data, 'base64').toString('latin1'));
  return masked === 0
    ? { data, masked }
    : { data: Buffer.from(text, 'latin1').toString('base64'), masked };
}
