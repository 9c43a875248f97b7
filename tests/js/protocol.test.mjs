// The booth's protocol module against docs/protocol.md's test vectors (§16).
// Run by tests/web/test_booth_js.py with `node --test`.

import { webcrypto } from "node:crypto";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as p from "../../web/static/booth/protocol.js";

globalThis.crypto ??= webcrypto; // Node 18 has no global Web Crypto

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/evoting-v2.json", import.meta.url), "utf8"),
);
const decoder = new TextDecoder();

function draws(list) {
  const queue = list.map((h) => p.scalarFromBytes(p.fromHex(h)));
  const draw = () => {
    assert.ok(queue.length > 0, "the prover drew more scalars than the vector lists");
    return queue.shift();
  };
  draw.left = () => queue.length;
  return draw;
}

const K = p.pointFromBytes(p.fromHex(vectors.election_public_hex));
const binding = {
  fingerprint: p.fromHex(vectors.fingerprint_hex),
  context: p.fromHex(vectors.context_hex),
};

test("hash_to_scalar matches §16", () => {
  const v = vectors.hash_to_scalar;
  const s = p.hashToScalar(v.tag, ...v.parts_hex.map(p.fromHex));
  assert.equal(p.toHex(p.scalarToBytes(s)), v.scalar_hex);
});

test("canonical JSON matches §3's example", () => {
  const value = { b: 1, a: [true, null, "é"], c: Uint8Array.of(0, 255) };
  assert.equal(decoder.decode(p.canonicalJson(value)), vectors.canonical_json.utf8);
  assert.throws(() => p.canonicalJson({ x: 1.5 }), p.ProtocolError);
  assert.throws(() => p.canonicalJson({ x: 2 ** 53 }), p.ProtocolError);
  assert.throws(() => p.canonicalJson({ x: "\uD800" }), /lone surrogate/);
  assert.equal(decoder.decode(p.canonicalJson({ x: "\uD83D\uDE00\n" })), '{"x":"😀\\n"}');
});

test("the generator is RFC 9496's", () => {
  const g = p.pointFromBytes(p.fromHex(vectors.group.G_hex));
  assert.equal(p.toHex(g.toBytes()), vectors.group.G_hex);
});

test("ElGamal encryption matches §16", () => {
  const v = vectors.elgamal;
  const ct = p.encrypt(K, v.message, p.scalarFromBytes(p.fromHex(v.draws_hex[0])));
  assert.equal(p.toHex(ct.alpha.toBytes()), v.alpha_hex);
  assert.equal(p.toHex(ct.beta.toBytes()), v.beta_hex);
});

test("the in-set proof matches §16, draw for draw", () => {
  const v = vectors.in_set;
  const draw = draws(v.draws_hex);
  const r = draw();
  const ct = p.encrypt(K, v.value, r);
  const proof = p.proveTagged(p.TAG_IN_SET, K, ct, v.values, v.value, r, binding,
    p.fromHex(v.label_hex), draw);
  assert.deepEqual({ alpha: p.b64encode(ct.alpha.toBytes()), beta: p.b64encode(ct.beta.toBytes()) },
    v.ciphertext);
  assert.deepEqual(proof, v.proof);
});

test("a whole referendum contest matches §16", () => {
  const v = vectors.contest;
  const made = p.encryptContest(K, v.selections, v.shape, binding, v.question, draws(v.draws_hex));
  assert.equal(decoder.decode(p.canonicalJson(made.contest)), v.canonical_json);
});

test("a 3-bit range proof of 5 matches §16 (§5.5)", () => {
  const v = vectors.range;
  const draw = draws(v.draws_hex);
  const r = draw();
  const ct = p.encrypt(K, v.value, r);
  assert.deepEqual({ alpha: p.b64encode(ct.alpha.toBytes()), beta: p.b64encode(ct.beta.toBytes()) },
    v.ciphertext);
  const proof = p.proveRange(K, ct, v.value, r, v.bits, binding, draw);
  assert.equal(decoder.decode(p.canonicalJson(proof)), v.canonical_json);
  assert.equal(draw.left(), 0);
  assert.throws(() => p.proveRange(K, ct, 8, r, 3, binding, draw), /outside/);
});

test("a sum-in-range proof with a subset's label matches §16 (§5.4)", () => {
  const v = vectors.sum_in_range;
  const draw = draws(v.draws_hex);
  const rs = v.messages.map(() => draw());
  const cts = v.messages.map((m, i) => p.encrypt(K, m, rs[i]));
  assert.deepEqual(cts.map((ct) => ({ alpha: p.b64encode(ct.alpha.toBytes()),
    beta: p.b64encode(ct.beta.toBytes()) })), v.ciphertexts);
  const total = v.messages.reduce((a, b) => a + b, 0);
  const label = p.concat(p.lp(p.utf8("q")), p.lp(p.utf8("subset")), p.u64(1));
  assert.equal(p.toHex(label), v.label_hex);
  const proof = p.proveSumInRange(K, cts, rs, total, v.min, v.max, binding, label, draw);
  assert.deepEqual(proof, v.proof);
  assert.equal(draw.left(), 0);
});

for (const name of ["points_contest", "budget_contest"]) {
  test(`a ${name.replace("_", " ")} with its ${name === "points_contest" ? "subset" : "weighted-sum"}`
    + " proofs matches §16 (§6.1)", () => {
    const v = vectors[name];
    const draw = draws(v.draws_hex);
    const made = p.encryptContest(K, v.selections, v.shape, binding, v.question, draw);
    assert.equal(decoder.decode(p.canonicalJson(made.contest)), v.canonical_json);
    assert.equal(draw.left(), 0);
    assert.equal(made.randomness.length, v.selections.length);
  });
}

test("a referendum's contest has no subset or weighted proofs", () => {
  const v = vectors.contest;
  const made = p.encryptContest(K, v.selections, v.shape, binding, v.question, draws(v.draws_hex));
  assert.deepEqual(Object.keys(made.contest).sort(), ["ciphertexts", "selection_proofs", "sum_proof"]);
});

test("a points or budget answer that breaks §6.1's constraints is refused before drawing", () => {
  const points = vectors.points_contest.shape;
  const basket = vectors.budget_contest.shape;
  const refuse = (shape, bad) => assert.throws(
    () => p.encryptContest(K, bad, shape, binding, "q", () => assert.fail("drew")), p.AnswerError);
  refuse(points, [1, 1, 0, 0, 0, 0]); // two projects at rank 1, none at rank 2
  refuse(points, [1, 0, 0, 1, 0, 0]); // one project at both ranks
  refuse(points, [0, 0, 0, 0, 0, 0]);
  refuse(basket, [1, 1, 1, 1]); // 80,500 > 60,000
  refuse(basket, [0, 0, 1, 0]); // 6,500 < 20,000
  refuse(basket, [0, 0, 0, 0]);
});

test("a shape from outside is checked (§6, §6.1)", () => {
  const base = { options: 3, max_per_selection: 1, min_total: 0, max_total: 3 };
  p.checkShape(base);
  p.checkShape({ ...base, subsets: [], weighted: null });
  for (const bad of [
    { ...base, unknown: [] },
    { ...base, max_total: 4 },
    { ...base, options: 0, min_total: 0, max_total: 0 },
    { ...base, max_per_selection: 1024 },
    { ...base, subsets: [{ indices: [], low: 0, high: 0 }] },
    { ...base, subsets: [{ indices: [0, 0], low: 0, high: 1 }] },
    { ...base, subsets: [{ indices: [0, 3], low: 0, high: 1 }] },
    { ...base, subsets: [{ indices: [0, 1], low: 0, high: 3 }] },
    { ...base, subsets: [{ indices: [0, 1], low: 1, high: 0 }] },
    { ...base, subsets: [{ indices: [0, 1], low: 0, high: 1, more: 1 }] },
    { ...base, weighted: { weights: [1, 2], low: 0, high: 3 } },
    { ...base, weighted: { weights: [1, -2, 3], low: 0, high: 3 } },
    { ...base, weighted: { weights: [1, 2, 3], low: 4, high: 3 } },
    { ...base, weighted: { weights: [1, 2, 3], low: 0, high: 2 ** 32 } },
    { ...base, weighted: { weights: [1, 2, 3.5], low: 0, high: 3 } },
  ]) {
    assert.throws(() => p.checkShape(bad), p.ProtocolError, JSON.stringify(bad));
  }
  p.checkShape({ ...base, weighted: { weights: [1, 2, 3], low: 1, high: 2 ** 32 } });
  assert.equal(p.weightedBits({ low: 5, high: 5 }), 1);
  assert.equal(p.weightedBits({ low: 20000, high: 60000 }), 16);
  assert.equal(p.weightedBits({ low: 0, high: 2 ** 32 - 1 }), 32);
});

test("project answers become the vectors' selections (ballots/encoding.py)", () => {
  const points = { label: "projects", question: "projects", type: "points",
    options: ["1:a", "1:b", "1:c", "2:a", "2:b", "2:c"], shape: vectors.points_contest.shape };
  assert.deepEqual(p.projectSelections(points, ["b", "a"]), vectors.points_contest.selections);
  const basket = { label: "basket", question: "basket", type: "budget",
    options: ["a", "b", "c", "d"], shape: vectors.budget_contest.shape };
  assert.deepEqual(p.projectSelections(basket, ["d", "a", "c"]), vectors.budget_contest.selections);
  for (const [spec, bad] of [
    [points, ["b"]], [points, ["b", "a", "c"]], [points, ["b", "b"]], [points, ["b", "z"]],
    [points, "b"], [points, null], [basket, ["a", "b", "d"]], [basket, ["c"]], [basket, [1]],
  ]) {
    assert.throws(() => p.projectSelections(spec, bad), p.AnswerError, JSON.stringify(bad));
  }
});

test("a points question's grid and a project question's contest follow §6.1", () => {
  const question = { id: "pb", type: "points", points: [3, 2], fewer_ranks: true,
    projects: [{ id: "a", cost: 1 }, { id: "b", cost: 2 }, { id: "c", cost: 3 }] };
  const spec = p.projectContest(question);
  assert.deepEqual(spec.options, ["1:a", "1:b", "1:c", "2:a", "2:b", "2:c"]);
  assert.deepEqual(spec.shape, { ...vectors.points_contest.shape, min_total: 0,
    subsets: vectors.points_contest.shape.subsets.map((s, j) => (j < 2 ? { ...s, low: 0 } : s)) });
  assert.deepEqual(p.projectSelections(spec, ["c"]), [0, 0, 1, 0, 0, 0]);
  assert.deepEqual(p.projectSelections(spec, []), [0, 0, 0, 0, 0, 0]);
  const cumulative = p.projectContest({ ...question, type: "cumulative", max_total: 5,
    max_per_option: 3 });
  assert.deepEqual(p.projectSelections(cumulative, { c: 3, a: 2 }), [2, 0, 3]);
  assert.deepEqual(p.projectSelections(cumulative, null), [0, 0, 0]);
  for (const bad of [{ a: 4 }, { a: 3, b: 3 }, { z: 1 }, { a: -1 }, { a: 1.5 }, ["a"], "a",
    { constructor: 1 }]) {
    assert.throws(() => p.projectSelections(cumulative, bad), p.AnswerError, JSON.stringify(bad));
  }
  assert.throws(() => p.projectSelections({ ...spec, options: ["1:a", "1:b", "1:c", "2:a", "2:c",
    "2:b"] }, ["a"]), /grid/);
  assert.throws(() => p.checkContestSpec({ label: "x", type: "points",
    shape: { options: 6, max_per_selection: 1, min_total: 2, max_total: 2 } }), /subsets/);
  assert.throws(() => p.checkContestSpec({ label: "x", type: "budget",
    shape: { options: 2, max_per_selection: 1, min_total: 0, max_total: 2 } }), /weighted/);
});

test("an answer that does not fit the question is refused before anything is drawn", () => {
  const shape = vectors.contest.shape;
  for (const bad of [[1, 1, 0], [0, 0, 0], [2, 0, 0], [0, 1], [0.5, 0.5, 0]]) {
    assert.throws(() => p.encryptContest(K, bad, shape, binding, "q1", () => assert.fail("drew")),
      p.ProtocolError);
  }
});

test("Ed25519 signatures match §16 (RFC 8032 through the purpose prefix)", () => {
  const v = vectors.signature;
  const sig = p.sign(p.fromHex(v.seed_hex), v.purpose, JSON.parse(v.payload_canonical));
  assert.equal(p.toHex(p.signedMessage(v.purpose, JSON.parse(v.payload_canonical))),
    v.message_hex);
  assert.equal(p.toHex(sig), v.signature_hex);
});

test("points from outside are validated as §1 says", () => {
  const g = p.fromHex(vectors.group.G_hex);
  assert.throws(() => p.pointFromBytes(new Uint8Array(32)), /identity/);
  const high = Uint8Array.from(g);
  high[31] |= 0x80;
  assert.throws(() => p.pointFromBytes(high), /top bit/);
  assert.throws(() => p.pointFromBytes(g.subarray(0, 31)), /32 bytes/);
  const invalid = new Uint8Array(32).fill(0xff);
  invalid[31] = 0x7f;
  assert.throws(() => p.pointFromBytes(invalid), /not a ristretto255/);
});

test("scalars from outside must be below the group order", () => {
  assert.throws(() => p.scalarFromBytes(p.scalarToBytes(0n).fill(0xff)), /less than/);
  const order = new Uint8Array(32);
  let n = p.L;
  for (let i = 0; i < 32; i++, n >>= 8n) order[i] = Number(n & 0xffn);
  assert.throws(() => p.scalarFromBytes(order), /less than/);
  assert.equal(p.scalarFromBytes(p.scalarToBytes(p.L - 1n)), p.L - 1n);
});

test("base64url is strict and round-trips", () => {
  for (let len = 0; len < 40; len++) {
    const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 0xff);
    assert.deepEqual(p.b64decode(p.b64encode(bytes)), bytes);
  }
  assert.equal(p.b64encode(Uint8Array.of(0, 255)), "AP8");
  for (const bad of ["AP9", "AP8=", "A", "AP+8", "AP/8"]) {
    assert.throws(() => p.b64decode(bad), p.ProtocolError);
  }
});

test("the short tracking code is the first 80 bits in base32", () => {
  const code = "00".repeat(10) + "ff".repeat(22);
  assert.equal(p.trackingCodeShort(code), "AAAA-AAAA-AAAA-AAAA");
  assert.equal(p.trackingCodeShort("ff".repeat(32)), "7777-7777-7777-7777");
});
