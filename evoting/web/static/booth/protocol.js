// EVOTING-V1 on the voter's device: docs/protocol.md, section by section.
//
// The booth (booth.js) uses this module to make the credential, encrypt and
// prove the answers, and sign the ballot; the Python kernel (evoting/crypto/)
// checks what it makes. Secrets never leave the device except as the protocol
// says (a Benaloh challenge reveals one spoiled ballot's randomness).
//
// Primitives come from the vendored, pinned packages (vendor/evote-vendor.js):
// ristretto255 and Ed25519 from @noble/curves, SHA-2 from @noble/hashes, RFC 9474
// from @cloudflare/blindrsa-ts. Nothing here re-implements a primitive.

import { RSABSSA, ed25519, ristretto255, sha256, sha512 } from "../vendor/evote-vendor.js";

const Point = ristretto255.Point;
const G = Point.BASE;
const textEncoder = new TextEncoder();

/** The order of ristretto255 (§1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export const TAG_IN_SET = "EVOTING-V1-in-set";
export const TAG_SUM_IN_RANGE = "EVOTING-V1-sum-in-range";
export const CREDENTIAL_TAG = "EVOTING-V1-credential";
export const BALLOT_FORMAT = "EVOTING-V1-ballot";
export const BALLOT_PURPOSE = "EVOTING-V1-ballot";
export const PREFIX_BYTES = 32;

/** Anything received that breaks the protocol's rules. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtocolError";
  }
}

// --- bytes ----------------------------------------------------------------------

export function utf8(text) {
  return textEncoder.encode(text);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new ProtocolError("not lowercase hex");
  return Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** base64url without padding (RFC 4648 §5), as §3 requires. */
export function b64encode(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Strict: only the canonical encoding of some bytes is accepted. */
export function b64decode(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new ProtocolError("not base64url text");
  }
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of text) {
    value = (value << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  if (b64encode(out) !== text) throw new ProtocolError("not canonical base64url");
  return out;
}

/** u64(n): 8 bytes, little-endian (§2). */
export function u64(n) {
  const value = BigInt(n);
  if (value < 0n || value >= 2n ** 64n) throw new ProtocolError("u64 out of range");
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** lp(x) = u64(len(x)) ‖ x (§2). */
export function lp(bytes) {
  return concat(u64(bytes.length), bytes);
}

// --- canonical JSON (§3) -------------------------------------------------------------

const MAX_SAFE = 2 ** 53 - 1;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function canonicalText(value, depth) {
  if (depth > 32) throw new ProtocolError("nested too deep");
  if (value === null || value === true || value === false) return String(value);
  if (typeof value === "number") {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_SAFE) {
      throw new ProtocolError("only integers within ±(2^53 − 1)");
    }
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) throw new ProtocolError("a string with a lone surrogate");
    return JSON.stringify(value);
  }
  if (value instanceof Uint8Array) return JSON.stringify(b64encode(value));
  if (Array.isArray(value)) return `[${value.map((v) => canonicalText(v, depth + 1)).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const items = keys.map((k) => `${JSON.stringify(k)}:${canonicalText(value[k], depth + 1)}`);
    return `{${items.join(",")}}`;
  }
  throw new ProtocolError(`cannot encode a ${typeof value}`);
}

/** The canonical JSON bytes of a value; byte strings become base64url text. */
export function canonicalJson(value) {
  return utf8(canonicalText(value, 0));
}

// --- scalars and points (§1) -------------------------------------------------------------

function mod(n) {
  const r = n % L;
  return r < 0n ? r + L : r;
}

function littleEndian(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

export function scalarToBytes(s) {
  const out = new Uint8Array(32);
  let n = mod(s);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

export function scalarFromBytes(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new ProtocolError("a scalar is 32 bytes");
  }
  const n = littleEndian(bytes);
  if (n >= L) throw new ProtocolError("a scalar must be less than the group order");
  return n;
}

/** A uniform non-zero scalar from the platform's CSPRNG (rejection sampling). */
export function randomScalar() {
  const bytes = new Uint8Array(32);
  for (;;) {
    crypto.getRandomValues(bytes);
    bytes[31] &= 0x1f;
    const n = littleEndian(bytes);
    if (n !== 0n && n < L) return n;
  }
}

/** Decode and validate a point from outside: the four rules of §1. */
export function pointFromBytes(bytes, what = "point") {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new ProtocolError(`${what}: a point is 32 bytes`);
  }
  if (bytes[31] & 0x80) throw new ProtocolError(`${what}: the top bit is set`);
  let point;
  try {
    point = Point.fromBytes(bytes);
  } catch {
    throw new ProtocolError(`${what}: not a ristretto255 encoding`);
  }
  if (point.equals(Point.ZERO)) throw new ProtocolError(`${what}: the identity`);
  return point;
}

/** k·P, with 0·P the identity (noble refuses a zero scalar). */
function mul(point, k) {
  const s = mod(k);
  return s === 0n ? Point.ZERO : point.multiply(s);
}

/** hash_to_scalar(tag, parts…) = SHA-512(lp(tag) ‖ lp(p_1) ‖ …) mod L (§2). */
export function hashToScalar(tag, ...parts) {
  return mod(littleEndian(sha512(concat(lp(utf8(tag)), ...parts.map(lp)))));
}

// --- ElGamal and proofs (§4, §5.3, §5.4, §6) ---------------------------------------------------

/** Enc_K(m; r) = (r·G, m·G + r·K). */
export function encrypt(publicKey, message, r) {
  return { alpha: mul(G, r), beta: mul(G, BigInt(message)).add(mul(publicKey, r)) };
}

function ciphertextJson(ct) {
  return { alpha: b64encode(ct.alpha.toBytes()), beta: b64encode(ct.beta.toBytes()) };
}

/**
 * The CDS proof that `ct` (randomness r) encrypts `value`, a member of `values`
 * (§5.3). `draw` gives the random scalars (the test vectors fix them).
 */
export function proveTagged(tag, publicKey, ct, values, value, r, binding, label, draw) {
  const real = values.indexOf(value);
  if (real < 0) throw new ProtocolError("cannot prove a value outside the set");
  const n = values.length;
  const challenges = new Array(n).fill(0n);
  const responses = new Array(n).fill(0n);
  const commitments = [];
  const w = draw();
  for (let j = 0; j < n; j++) {
    if (j === real) {
      commitments.push(mul(G, w).toBytes(), mul(publicKey, w).toBytes());
      continue;
    }
    // Simulated branch: with t_j = z_j − c_j·r, A_j = t_j·G and
    // B_j = t_j·K + c_j·(s_j − value)·G (§5.3).
    const c = draw();
    const t = draw();
    const offset = mul(G, c * BigInt(values[j] - value));
    commitments.push(mul(G, t).toBytes(), mul(publicKey, t).add(offset).toBytes());
    challenges[j] = c;
    responses[j] = mod(t + c * r);
  }
  const set = concat(...values.map(u64));
  const c = hashToScalar(tag, binding.fingerprint, binding.context, publicKey.toBytes(),
    ct.alpha.toBytes(), ct.beta.toBytes(), label, set, ...commitments);
  challenges[real] = mod(c - challenges.reduce((a, b) => a + b, 0n));
  responses[real] = mod(w + challenges[real] * r);
  return {
    challenges: challenges.map((s) => b64encode(scalarToBytes(s))),
    responses: responses.map((s) => b64encode(scalarToBytes(s))),
  };
}

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * An encrypted contest (§6): one ciphertext and §5.3 proof per option, then the
 * §5.4 proof that their sum is in [min_total, max_total]. Returns the JSON and the
 * randomness (kept for a Benaloh challenge).
 */
export function encryptContest(publicKey, selections, shape, binding, question, draw = randomScalar) {
  const { options, max_per_selection: top, min_total: low, max_total: high } = shape;
  const total = selections.reduce((a, b) => a + b, 0);
  if (selections.length !== options || selections.some((s) => !Number.isInteger(s) || s < 0 || s > top)
      || total < low || total > high) {
    throw new ProtocolError("the answer does not fit the question");
  }
  const prefix = lp(utf8(question));
  const randomness = selections.map(() => draw());
  const cts = selections.map((s, i) => encrypt(publicKey, s, randomness[i]));
  const values = range(0, top);
  const selectionProofs = selections.map((s, i) =>
    proveTagged(TAG_IN_SET, publicKey, cts[i], values, s, randomness[i], binding,
      concat(prefix, u64(i)), draw));
  const sum = cts.reduce((a, b) => ({ alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) }));
  const r = mod(randomness.reduce((a, b) => a + b, 0n));
  const sumProof = proveTagged(TAG_SUM_IN_RANGE, publicKey, sum, range(low, high), total, r,
    binding, prefix, draw);
  return {
    contest: { ciphertexts: cts.map(ciphertextJson), selection_proofs: selectionProofs, sum_proof: sumProof },
    randomness,
  };
}

// --- signatures (§8) ------------------------------------------------------------------------

export function signedMessage(purpose, payload) {
  return concat(lp(utf8(purpose)), canonicalJson(payload));
}

export function sign(secretKey, purpose, payload) {
  return ed25519.sign(signedMessage(purpose, payload), secretKey);
}

// --- credentials (§10) ----------------------------------------------------------------------

const suite = () => RSABSSA.SHA384.PSS.Randomized();

export async function importCredentialKey(spkiDer) {
  return crypto.subtle.importKey("spki", spkiDer, { name: "RSA-PSS", hash: "SHA-384" }, true,
    ["verify"]);
}

export function credentialMessage(fingerprint, publicKey) {
  if (fingerprint.length !== 32 || publicKey.length !== 32) {
    throw new ProtocolError("fingerprint and credential key are 32 bytes each");
  }
  return concat(utf8(CREDENTIAL_TAG), fingerprint, publicKey);
}

/** Make the credential key on this device, then prepare and blind its message. */
export async function startCredential(rsaKey, fingerprint) {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  const prepared = suite().prepare(credentialMessage(fingerprint, publicKey));
  const { blindedMsg, inv } = await suite().blind(rsaKey, prepared);
  return { secretKey, prepared, blinded: blindedMsg, inverse: inv };
}

/** Unblind the registrar's answer; the result verifies as ordinary RSASSA-PSS. */
export async function finishCredential(rsaKey, request, blindSignature) {
  const signature = await suite().finalize(rsaKey, request.prepared, blindSignature, request.inverse);
  return {
    format: "EVOTING-V1-credential",
    secret_key: b64encode(request.secretKey),
    prefix: b64encode(request.prepared.subarray(0, PREFIX_BYTES)),
    signature: b64encode(signature),
  };
}

// --- ballots (§11) ------------------------------------------------------------------------

/**
 * Encrypt, prove and sign a ballot. `params` is the booth's election data
 * (fingerprint, election key, contests with label and shape); `selections` maps
 * each contest label to its 0/1… selections. Returns the ballot JSON, its
 * canonical bytes, tracking code, and the secrets a challenge would reveal.
 */
export function encryptBallot(params, credential, selections, draw = randomScalar) {
  const fingerprint = b64decode(params.fingerprint);
  const electionKey = pointFromBytes(b64decode(params.election_key), "election key");
  const secretKey = b64decode(credential.secret_key);
  const publicKey = ed25519.getPublicKey(secretKey);
  const binding = { fingerprint, context: publicKey };
  const contests = [];
  const randomness = [];
  for (const spec of params.contests) {
    const chosen = selections[spec.label];
    if (!Array.isArray(chosen)) throw new ProtocolError(`no answer for ${spec.label}`);
    const made = encryptContest(electionKey, chosen, spec.shape, binding, spec.label, draw);
    contests.push({ label: spec.label, ...made.contest });
    randomness.push({ label: spec.label, selections: chosen, randomness: made.randomness });
  }
  const body = {
    format: BALLOT_FORMAT,
    election: params.fingerprint,
    credential: { public_key: b64encode(publicKey), prefix: credential.prefix,
      signature: credential.signature },
    contests,
  };
  const ballot = { ...body, signature: b64encode(sign(secretKey, BALLOT_PURPOSE, body)) };
  const canonical = canonicalJson(ballot);
  const trackingCode = toHex(sha256(canonical));
  return { ballot, canonical, trackingCode, secrets: randomness };
}

/** What a Benaloh challenge publishes: the ballot with its selections and randomness. */
export function spoil(ballot, secrets) {
  return {
    format: "EVOTING-V1-spoiled",
    ballot,
    contests: secrets.map((s) => ({
      label: s.label,
      selections: s.selections,
      randomness: s.randomness.map((r) => b64encode(scalarToBytes(r))),
    })),
  };
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The first 80 bits of the tracking code in base32, in groups of four (§11). */
export function trackingCodeShort(trackingCode) {
  const bytes = fromHex(trackingCode).subarray(0, 10);
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  let text = "";
  for (let i = 0; i < 80; i += 5) text += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return text.match(/.{4}/g).join("-");
}
