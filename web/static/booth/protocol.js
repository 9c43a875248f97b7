// EVOTING-V1 on the voter's device: docs/protocol.md, section by section.
//
// The booth (booth.js) uses this module to make the credential, encrypt and
// prove the answers, and sign the ballot; the Python kernel (evoting/crypto/)
// checks what it makes. Every question type is a contest (§6): a referendum's or a
// statement's one-of-three, and the project questions (approval, points, budget
// basket, cumulative), whose shapes add subsets and a weighted sum (§6.1) and whose
// answers projectSelections reads as ballots/encoding.py does. Secrets never leave the device except as the protocol
// says (a Benaloh challenge reveals one spoiled ballot's randomness).
//
// Primitives come from the vendored, pinned packages (vendor/evote-vendor.js):
// ristretto255 and Ed25519 from @noble/curves, SHA-2 from @noble/hashes, RFC 9474
// from @cloudflare/blindrsa-ts. Nothing here re-implements a primitive.

import { RSABSSA, ed25519, ristretto255, sha256, sha512 } from "../vendor/evote-vendor.js";

const Point = ristretto255.Point;
const textEncoder = new TextEncoder();

// Multiplication tables: a point used for many multiplications (the generator, the
// election key) gets a table of its multiples (8-bit windows), which makes each
// multiplication several times faster and stays constant-time; results are unchanged.
const WINDOW = 8;
let generator = null;
/** G, with its table (a copy: the library's own base point is left as it is). */
function G() {
  generator ??= Point.fromBytes(Point.BASE.toBytes()).precompute(WINDOW, false);
  return generator;
}

/** The order of ristretto255 (§1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export const TAG_IN_SET = "EVOTING-V1-in-set";
export const TAG_SUM_IN_RANGE = "EVOTING-V1-sum-in-range";
export const TAG_RANGE_BIT = "EVOTING-V1-range-bit";
export const CREDENTIAL_TAG = "EVOTING-V1-credential";
export const BALLOT_FORMAT = "EVOTING-V2-ballot"; // proofs carry their commitments (§5.6)
export const BALLOT_PURPOSE = "EVOTING-V1-ballot";
export const PREFIX_BYTES = 32;

/** Anything received that breaks the protocol's rules. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** An answer that does not fit its question: the device refuses to encrypt it. */
export class AnswerError extends ProtocolError {
  constructor(message) {
    super(message);
    this.name = "AnswerError";
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

/** k·P, with 0·P the identity (noble refuses a zero scalar). Constant-time in k. */
function mul(point, k) {
  const s = mod(k);
  return s === 0n ? Point.ZERO : point.multiply(s);
}

/** k·G. */
function baseMul(k) {
  return mul(G(), k);
}

/** k·P for a public k and P (a weight times a ciphertext): variable-time, faster. */
function mulPublic(point, k) {
  const s = mod(k);
  return s === 0n ? Point.ZERO : point.multiplyUnsafe(s);
}

/**
 * The point with a table of its multiples, for the many multiplications by the
 * election key a ballot makes (same results, several times faster). The table is
 * kept for the last key prepared.
 */
let preparedKey = { bytes: "", point: null };
export function preparePublicKey(bytes, what = "election key") {
  const hex = toHex(bytes);
  if (preparedKey.bytes !== hex) {
    preparedKey = { bytes: hex, point: pointFromBytes(bytes, what).precompute(WINDOW, false) };
  }
  return preparedKey.point;
}

/** hash_to_scalar(tag, parts…) = SHA-512(lp(tag) ‖ lp(p_1) ‖ …) mod L (§2). */
export function hashToScalar(tag, ...parts) {
  return mod(littleEndian(sha512(concat(lp(utf8(tag)), ...parts.map(lp)))));
}

// --- ElGamal and proofs (§4, §5.3, §5.4, §5.5) ---------------------------------------------

/** Enc_K(m; r) = (r·G, m·G + r·K). */
export function encrypt(publicKey, message, r) {
  return { alpha: baseMul(r), beta: baseMul(BigInt(message)).add(mul(publicKey, r)) };
}

function addCiphertexts(a, b) {
  return { alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) };
}

function ciphertextJson(ct) {
  return { alpha: b64encode(ct.alpha.toBytes()), beta: b64encode(ct.beta.toBytes()) };
}

/**
 * The CDS proof that `ct` (randomness r) encrypts `value`, a member of `values`
 * (§5.3), in the V2 form: with the commitments the challenge hashes (§5.6).
 * `draw` gives the random scalars (the test vectors fix them).
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
      commitments.push(baseMul(w).toBytes(), mul(publicKey, w).toBytes());
      continue;
    }
    // Simulated branch: with t_j = z_j − c_j·r, A_j = t_j·G and
    // B_j = t_j·K + c_j·(s_j − value)·G (§5.3).
    const c = draw();
    const t = draw();
    const offset = baseMul(c * BigInt(values[j] - value));
    commitments.push(baseMul(t).toBytes(), mul(publicKey, t).add(offset).toBytes());
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
    commitments: commitments.map(b64encode),
  };
}

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * §5.4: the sum of `cts` (randomness `randomness`, plaintexts adding up to `total`)
 * is in [low, high]. The statement is the sum; the prover's randomness Σ r_i.
 */
export function proveSumInRange(publicKey, cts, randomness, total, low, high, binding, label,
  draw = randomScalar) {
  const sum = cts.reduce(addCiphertexts);
  const r = mod(randomness.reduce((a, b) => a + b, 0n));
  return proveTagged(TAG_SUM_IN_RANGE, publicKey, sum, range(low, high), total, r, binding, label,
    draw);
}

/**
 * §5.5: `ct` (randomness r) encrypts `value` with 0 ≤ value < 2^n. Draws r_1 … r_{n−1},
 * sets r_0 so that Σ 2^k·r_k = r, then proves each bit in {0, 1} (k = 0 … n−1) with
 * label u64(n) ‖ u64(k) ‖ α ‖ β. Returns the proof's JSON: {bits, bit_proofs}.
 */
export function proveRange(publicKey, ct, value, r, n, binding, draw = randomScalar) {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ProtocolError("1 to 64 bits");
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(n)) {
    throw new ProtocolError("cannot prove a value outside [0, 2^n)");
  }
  const rs = [0n];
  for (let k = 1; k < n; k++) rs.push(draw());
  rs[0] = mod(rs.reduce((acc, rk, k) => acc - (1n << BigInt(k)) * rk, r));
  const bit = (k) => Number((v >> BigInt(k)) & 1n);
  const bits = rs.map((rk, k) => encrypt(publicKey, bit(k), rk));
  const statement = concat(ct.alpha.toBytes(), ct.beta.toBytes());
  const proofs = bits.map((b, k) => proveTagged(TAG_RANGE_BIT, publicKey, b, [0, 1], bit(k), rs[k],
    binding, concat(u64(n), u64(k), statement), draw));
  return { bits: bits.map(ciphertextJson), bit_proofs: proofs };
}

// --- contests (§6, §6.1) ----------------------------------------------------------------------

export const MAX_OPTIONS = 256;
export const MAX_SET_SIZE = 1024;
export const MAX_SUBSETS = 512;
export const MAX_WEIGHTED_BITS = 32;
const SHAPE_FIELDS = new Set(["options", "max_per_selection", "min_total", "max_total", "subsets",
  "weighted"]);

function whole(value, low, high = MAX_SAFE) {
  return Number.isSafeInteger(value) && value >= low && value <= high;
}

function fields(value, required, optional = []) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return required.every((k) => keys.includes(k))
    && keys.every((k) => required.includes(k) || optional.includes(k));
}

/** The bit length n of a weighted sum's range proofs: max(1, bit length of high − low). */
export function weightedBits(weighted) {
  return Math.max(1, (weighted.high - weighted.low).toString(2).replace(/^0+/, "").length);
}

/**
 * Check a contest shape received from the server (§6, §6.1, evoting/crypto/contest.py):
 * `{options, max_per_selection, min_total, max_total}` and, only where the question
 * has them, `subsets: [{indices, low, high}]` and `weighted: {weights, low, high}`.
 * A shape with a constraint this booth does not know is refused: a ballot made without
 * its proof would be refused by the ballot box anyway.
 */
export function checkShape(shape) {
  const bad = (why) => new ProtocolError(`the question's shape: ${why}`);
  if (!fields(shape, ["options", "max_per_selection", "min_total", "max_total"],
    ["subsets", "weighted"])) {
    throw bad(`expected ${[...SHAPE_FIELDS].join(", ")}`);
  }
  const { options, max_per_selection: top, min_total: low, max_total: high } = shape;
  if (!whole(options, 1, MAX_OPTIONS) || !whole(top, 1, MAX_SET_SIZE - 1)
      || !whole(low, 0) || !whole(high, low, options * top) || high - low >= MAX_SET_SIZE) {
    throw bad("need 1 ≤ options ≤ 256, 0 ≤ min_total ≤ max_total ≤ options × max, "
      + "at most 1,024 values a selection or the sum");
  }
  const subsets = shape.subsets ?? [];
  if (!Array.isArray(subsets) || subsets.length > MAX_SUBSETS) throw bad("subsets: a list");
  for (const s of subsets) {
    if (!fields(s, ["indices", "low", "high"]) || !Array.isArray(s.indices)
        || s.indices.length === 0 || new Set(s.indices).size !== s.indices.length
        || !s.indices.every((i) => whole(i, 0, options - 1))
        || !whole(s.low, 0) || !whole(s.high, s.low, s.indices.length * top)
        || s.high - s.low >= MAX_SET_SIZE) {
      throw bad("a subset names distinct options, with 0 ≤ low ≤ high ≤ its size × max");
    }
  }
  const w = shape.weighted ?? null;
  if (w !== null && (!fields(w, ["weights", "low", "high"]) || !Array.isArray(w.weights)
      || w.weights.length !== options || !w.weights.every((x) => whole(x, 0))
      || !whole(w.low, 0) || !whole(w.high, w.low) || weightedBits(w) > MAX_WEIGHTED_BITS)) {
    throw bad("weighted: a weight per option, 0 or more; 0 ≤ low ≤ high, high − low < 2^32");
  }
}

/** The weighted sum Σ wᵢ·sᵢ (a BigInt: costs times selections may pass 2^53). */
function weightedValue(weighted, selections) {
  return weighted.weights.reduce((acc, w, i) => acc + BigInt(w) * BigInt(selections[i]), 0n);
}

/** Whether `selections` fit `shape` (checked with checkShape); AnswerError says how not. */
export function checkAnswer(shape, selections) {
  const { options, max_per_selection: top, min_total: low, max_total: high } = shape;
  if (!Array.isArray(selections) || selections.length !== options) {
    throw new AnswerError(`expected ${options} selections`);
  }
  if (!selections.every((s) => whole(s, 0, top))) {
    throw new AnswerError(`each selection is between 0 and ${top}`);
  }
  const sum = (indices) => indices.reduce((acc, i) => acc + selections[i], 0);
  const total = sum(range(0, options - 1));
  if (total < low || total > high) throw new AnswerError(`choose between ${low} and ${high}`);
  (shape.subsets ?? []).forEach((s, j) => {
    const got = sum(s.indices);
    if (got < s.low || got > s.high) {
      throw new AnswerError(`subset ${j}: its selections sum to between ${s.low} and ${s.high}`);
    }
  });
  const w = shape.weighted ?? null;
  if (w !== null) {
    const value = weightedValue(w, selections);
    if (value < BigInt(w.low) || value > BigInt(w.high)) {
      throw new AnswerError(`the weighted sum is between ${w.low} and ${w.high}`);
    }
  }
}

/** E − low·G and high·G − E for E = Σ wᵢ·Eᵢ (§6.1): what the two range proofs are about. */
export function weightedSides(weighted, cts) {
  let alpha = Point.ZERO;
  let beta = Point.ZERO;
  weighted.weights.forEach((w, i) => {
    if (w) {
      alpha = alpha.add(mulPublic(cts[i].alpha, BigInt(w)));
      beta = beta.add(mulPublic(cts[i].beta, BigInt(w)));
    }
  });
  return [
    { alpha, beta: beta.subtract(baseMul(BigInt(weighted.low))) },
    { alpha: alpha.negate(), beta: baseMul(BigInt(weighted.high)).subtract(beta) },
  ];
}

function subsetLabel(prefix, j) {
  return concat(prefix, lp(utf8("subset")), u64(j));
}

/**
 * An encrypted contest (§6, §6.1): one ciphertext and §5.3 proof per option, the §5.4
 * proof that their sum is in [min_total, max_total], then, where the shape has them, a
 * §5.4 proof per subset and the two §5.5 range proofs of the weighted sum. Returns the
 * JSON and the randomness (kept for a Benaloh challenge). An answer that does not fit
 * is refused (AnswerError) before anything is drawn.
 */
export function encryptContest(publicKey, selections, shape, binding, question, draw = randomScalar) {
  checkShape(shape);
  checkAnswer(shape, selections);
  const { max_per_selection: top, min_total: low, max_total: high } = shape;
  const prefix = lp(utf8(question));
  const randomness = selections.map(() => draw());
  const cts = selections.map((s, i) => encrypt(publicKey, s, randomness[i]));
  const values = range(0, top);
  const selectionProofs = selections.map((s, i) =>
    proveTagged(TAG_IN_SET, publicKey, cts[i], values, s, randomness[i], binding,
      concat(prefix, u64(i)), draw));
  const total = selections.reduce((a, b) => a + b, 0);
  const contest = {
    ciphertexts: cts.map(ciphertextJson),
    selection_proofs: selectionProofs,
    sum_proof: proveSumInRange(publicKey, cts, randomness, total, low, high, binding, prefix, draw),
  };
  const subsets = shape.subsets ?? [];
  if (subsets.length > 0) {
    contest.subset_proofs = subsets.map((s, j) => proveSumInRange(publicKey,
      s.indices.map((i) => cts[i]), s.indices.map((i) => randomness[i]),
      s.indices.reduce((acc, i) => acc + selections[i], 0), s.low, s.high, binding,
      subsetLabel(prefix, j), draw));
  }
  const w = shape.weighted ?? null;
  if (w !== null) {
    const [lowSide, highSide] = weightedSides(w, cts);
    const r = mod(w.weights.reduce((acc, wi, i) => acc + BigInt(wi) * randomness[i], 0n));
    const value = weightedValue(w, selections);
    const n = weightedBits(w);
    const lowProof = proveRange(publicKey, lowSide, value - BigInt(w.low), r, n, binding, draw);
    const highProof = proveRange(publicKey, highSide, BigInt(w.high) - value, mod(-r), n, binding,
      draw);
    contest.weighted_proofs = { low: lowProof, high: highProof };
  }
  return { contest, randomness };
}

// --- project questions (§6.1, ballots/encoding.py) --------------------------------------------

export const PROJECT_TYPES = ["approval", "points", "budget", "cumulative"];

/** A points grid's option: rank (1-based) and project id. */
export function cell(rank, project) {
  return `${rank}:${project}`;
}

/**
 * The contest of a project question, from its canonical manifest form (the
 * manifest's `questions[i]`: id, type, projects with their costs, and the type's
 * fields, evoting/projects.py): label, question, statement (null), type, options and
 * shape, exactly as ballots/encoding.py makes them.
 */
export function projectContest(question) {
  const { id, type } = question;
  const ids = (question.projects ?? []).map((p) => p.id);
  const n = ids.length;
  let options = ids;
  let shape;
  if (type === "approval") {
    shape = { options: n, max_per_selection: 1, min_total: question.min_choices,
      max_total: question.max_choices };
  } else if (type === "budget") {
    shape = { options: n, max_per_selection: 1, min_total: 0, max_total: n,
      weighted: { weights: question.projects.map((p) => p.cost), low: question.min_spend,
        high: question.budget } };
  } else if (type === "cumulative") {
    shape = { options: n, max_per_selection: question.max_per_option, min_total: 0,
      max_total: question.max_total };
  } else if (type === "points") {
    const ranks = question.points.length;
    const fewer = question.fewer_ranks === true;
    const rows = range(0, ranks - 1).map((r) => ({ indices: range(r * n, (r + 1) * n - 1),
      low: fewer ? 0 : 1, high: 1 }));
    const columns = range(0, n - 1).map((p) => ({ indices: range(0, ranks - 1).map((r) => r * n + p),
      low: 0, high: 1 }));
    shape = { options: ranks * n, max_per_selection: 1, min_total: fewer ? 0 : ranks,
      max_total: ranks, subsets: [...rows, ...columns] };
    options = range(1, ranks).flatMap((r) => ids.map((p) => cell(r, p)));
  } else {
    throw new ProtocolError(`${id}: not a project question (${type})`);
  }
  checkShape(shape);
  return { label: id, question: id, statement: null, type, options, shape };
}

/** A points contest's grid, read back from its options `r:p` (ranks = max_total). */
function pointsGrid(spec) {
  const ranks = spec.shape.max_total;
  const n = spec.options.length / ranks;
  const projects = Number.isInteger(n) && ranks > 0
    ? spec.options.slice(0, n).map((o) => o.slice(o.indexOf(":") + 1)) : [];
  if (projects.length === 0 || !spec.options.every((o, i) =>
    o === cell(Math.floor(i / n) + 1, projects[i % n]))) {
    throw new ProtocolError(`${spec.label}: the options are not a rank × project grid`);
  }
  return { ranks, projects, fewer: spec.shape.min_total < ranks };
}

function whyNot(type, spec) {
  const { shape } = spec;
  if (type === "approval") {
    return `choose between ${shape.min_total} and ${shape.max_total} projects`;
  }
  if (type === "budget") {
    return `the chosen projects cost more than the budget of ${shape.weighted?.high} `
      + `(or less than ${shape.weighted?.low})`;
  }
  if (type === "cumulative") {
    return `at most ${shape.max_per_selection} points a project and ${shape.max_total} in all`;
  }
  return null;
}

/**
 * The selections of a project question's answer (ballots/encoding.py): for approval
 * and budget a list of project ids; for points a list of project ids in rank order
 * (the first gets the most points), into the rank × project grid `r:p`, rank by rank;
 * for cumulative an object project id → points. null or undefined is the empty
 * answer. `spec` is the question's contest (booth parameters, or projectContest);
 * an answer that does not fit is an AnswerError.
 */
export function projectSelections(spec, answer, type = spec.type) {
  checkShape(spec.shape);
  const q = spec.question ?? spec.label;
  let chosen;
  if (type === "cumulative") {
    const given = answer ?? {};
    if (typeof given !== "object" || Array.isArray(given)
        || !Object.values(given).every((v) => Number.isSafeInteger(v))) {
      throw new AnswerError(`${q}: give the points per project, e.g. {"${spec.options[0]}": 2}`);
    }
    const stranger = Object.keys(given).sort().find((k) => !spec.options.includes(k));
    if (stranger !== undefined) throw new AnswerError(`${q}: there is no project "${stranger}"`);
    chosen = spec.options.map((p) => (Object.hasOwn(given, p) ? given[p] : 0));
  } else if (PROJECT_TYPES.includes(type)) {
    const picked = answer ?? [];
    if (!Array.isArray(picked) || !picked.every((p) => typeof p === "string")) {
      throw new AnswerError(`${q}: give a list of project ids`);
    }
    const grid = type === "points" ? pointsGrid(spec) : null;
    const ids = grid ? grid.projects : spec.options;
    const stranger = [...picked].sort().find((p) => !ids.includes(p));
    if (stranger !== undefined) throw new AnswerError(`${q}: there is no project "${stranger}"`);
    if (new Set(picked).size !== picked.length) {
      throw new AnswerError(`${q}: a project is chosen twice`);
    }
    if (grid) {
      const { ranks, projects, fewer } = grid;
      if (picked.length > ranks || (picked.length < ranks && !fewer)) {
        throw new AnswerError(`${q}: rank ${ranks} projects${fewer ? " or fewer" : ""}`);
      }
      chosen = range(0, ranks - 1).flatMap((r) => projects.map((p) => (picked[r] === p ? 1 : 0)));
    } else {
      chosen = spec.options.map((p) => (picked.includes(p) ? 1 : 0));
    }
  } else {
    throw new ProtocolError(`${q}: not a project question (${type})`);
  }
  try {
    checkAnswer(spec.shape, chosen);
  } catch (error) {
    if (!(error instanceof AnswerError)) throw error;
    throw new AnswerError(`${q}: ${whyNot(type, spec) ?? error.message}`);
  }
  return chosen;
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
 * What the contest of a question of `type` needs beyond §6 (§6.1): a points grid its
 * rows' and columns' subsets, a budget basket its costs' weighted sum. Booth parameters
 * without them would make ballots the ballot box refuses.
 */
export function checkContestSpec(spec) {
  checkShape(spec.shape);
  if (spec.type === "points" && !(spec.shape.subsets?.length > 0)) {
    throw new ProtocolError(`${spec.label}: a points question's shape lacks its subsets`);
  }
  if (spec.type === "budget" && !spec.shape.weighted) {
    throw new ProtocolError(`${spec.label}: a budget question's shape lacks its weighted sum`);
  }
}

/**
 * Encrypt, prove and sign a ballot. `params` is the booth's election data
 * (fingerprint, election key, contests with label and shape, ballots/booth.py);
 * `selections` maps each contest label to its selections (projectSelections makes a
 * project question's). Every contest and answer is checked before anything is drawn.
 * Returns the ballot JSON, its canonical bytes, tracking code, and the secrets a
 * challenge would reveal.
 */
export function encryptBallot(params, credential, selections, draw = randomScalar) {
  const fingerprint = b64decode(params.fingerprint);
  const electionKey = preparePublicKey(b64decode(params.election_key));
  const secretKey = b64decode(credential.secret_key);
  const publicKey = ed25519.getPublicKey(secretKey);
  const binding = { fingerprint, context: publicKey };
  for (const spec of params.contests) {
    checkContestSpec(spec);
    const chosen = selections[spec.label];
    if (!Array.isArray(chosen)) throw new AnswerError(`no answer for ${spec.label}`);
    checkAnswer(spec.shape, chosen);
  }
  const contests = [];
  const randomness = [];
  for (const spec of params.contests) {
    const chosen = selections[spec.label];
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
