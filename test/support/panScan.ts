import { randomInt } from 'node:crypto';

/**
 * Tools for looking for card numbers where they must not be: random PANs, the
 * forms a PAN can take in text, a decoder that opens the base64 a payload may
 * hide them in, and a capture of everything the process writes.
 */

/** The Luhn check digit that completes `body`. */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Double every second digit counting from the right of the full number, check digit included.
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/**
 * A random Luhn-valid PAN of `length` digits (12-19, as the API accepts).
 * Its last 4 digits are unique among `taken`, so each PAN's last 4 can be
 * traced on its own.
 */
export function randomPan(length: number, taken: Set<string> = new Set()): string {
  for (;;) {
    // A leading 4..6 (Visa, Mastercard, Discover ranges), never 0.
    let body = String(4 + randomInt(3));
    while (body.length < length - 1) body += String(randomInt(10));
    const pan = body + luhnCheckDigit(body);
    const last4 = pan.slice(-4);
    if (!taken.has(last4)) {
      taken.add(last4);
      return pan;
    }
  }
}

/**
 * A pattern matching the digits in order with up to 3 non-digit characters
 * between any two: `4111111111111111`, `4111 1111 1111 1111`,
 * `4111-1111-1111-1111`, `[4,1,1,1,…]` and the like.
 */
function digitsPattern(digits: string): RegExp {
  return new RegExp(`(?<![0-9])${[...digits].join('[^0-9]{0,3}')}`);
}

/** What counts as the PAN being present: the whole number, or its first 12 digits, in any spacing. */
export function panPatterns(pan: string): { readonly what: string; readonly pattern: RegExp }[] {
  return [
    { what: 'the full PAN', pattern: digitsPattern(pan) },
    { what: 'its first 12 digits', pattern: digitsPattern(pan.slice(0, 12)) },
  ];
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/** True when most of the text is printable: a decoded run that is not just noise. */
function printable(text: string): boolean {
  if (text.length === 0) return false;
  let ok = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) ok++;
  }
  return ok / text.length > 0.9;
}

/**
 * The text itself plus what its base64 runs decode to (twice over, for
 * base64 inside base64): Kinesis data travels base64-encoded in events and
 * dead-letter messages, and base64 hides nothing.
 */
export function withDecodedPayloads(text: string, depth = 2): string {
  const parts = [text];
  if (depth > 0) {
    for (const run of text.match(BASE64_RUN) ?? []) {
      const decoded = Buffer.from(
        run,
        run.includes('-') || run.includes('_') ? 'base64url' : 'base64',
      ).toString('utf8');
      if (printable(decoded)) parts.push(withDecodedPayloads(decoded, depth - 1));
    }
  }
  return parts.join('\n');
}

/** JSON of SDK output, with binary attributes as their UTF-8 text (and base64, decoded later). */
export function toScannableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
  );
}

/** One place scanned: its name, how many things were read there, and their text. */
export interface ScannedLocation {
  readonly name: string;
  readonly count: number;
  readonly text: string;
}

export interface PanFinding {
  readonly location: string;
  readonly pan: string;
  readonly what: string;
  /** The text around the match, with the PAN's own digits masked, for the failure message. */
  readonly context: string;
}

/** Every place where a PAN (or its first 12 digits) shows, in any spacing, raw or base64-decoded. */
export function findPans(
  locations: readonly ScannedLocation[],
  pans: readonly string[],
): PanFinding[] {
  const findings: PanFinding[] = [];
  for (const location of locations) {
    const text = withDecodedPayloads(location.text);
    for (const pan of pans) {
      for (const { what, pattern } of panPatterns(pan)) {
        const match = pattern.exec(text);
        if (match === null) continue;
        const start = Math.max(0, match.index - 60);
        const context = text
          .slice(start, match.index + match[0].length + 60)
          .replace(pattern, '<PAN>')
          // Other card numbers nearby stay out of the report too.
          .replace(/[0-9]{12,}/g, '<digits>')
          .replace(/\s+/g, ' ');
        findings.push({ location: location.name, pan: `…${pan.slice(-4)}`, what, context });
        break;
      }
    }
  }
  return findings;
}

/**
 * Everything this process writes while it runs: `process.stdout` and
 * `process.stderr` (where Powertools' logger writes outside dev mode) and the
 * global console (where it writes in dev mode, and anything else logs).
 */
export function captureOutput(options: { passThrough?: boolean } = {}): {
  text(): string;
  lines(): number;
  restore(): void;
} {
  const passThrough = options.passThrough ?? false;
  const chunks: string[] = [];
  const toText = (chunk: unknown) =>
    typeof chunk === 'string'
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk).toString('utf8')
        : String(chunk);
  const streams = [process.stdout, process.stderr] as const;
  const originalWrites = streams.map((s) => s.write);
  for (const [i, stream] of streams.entries()) {
    const original = originalWrites[i];
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(toText(chunk));
      if (!passThrough) {
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        if (callback !== undefined) process.nextTick(callback);
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originalConsole = methods.map((m) => console[m]);
  for (const [i, method] of methods.entries()) {
    const original = originalConsole[i] as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : toScannableJson(a))).join(' '));
      if (passThrough) original.apply(console, args);
    };
  }
  return {
    text: () => chunks.join('\n'),
    lines: () => chunks.length,
    restore: () => {
      for (const [i, stream] of streams.entries()) {
        stream.write = originalWrites[i] as typeof stream.write;
      }
      for (const [i, method] of methods.entries()) {
        console[method] = originalConsole[i] as (typeof console)[typeof method];
      }
    },
  };
}
