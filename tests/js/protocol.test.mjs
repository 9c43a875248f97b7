// The booth's protocol module against docs/protocol.md's test vectors (§16).
// Run by tests/web/test_booth_js.py with `node --test`.

import { webcrypto } from "node:crypto";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as p from "../../evoting/web/static/booth/protocol.js";

globalThis.crypto ??= webcrypto; // Node 18 has no global Web Crypto

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/evoting-v1.json", import.meta.url), "utf8"),
);
const decoder = new TextDecoder();

function draws(list) {
  const queue = list.map((h) => p.scalarFromBytes(p.fromHex(h)));
  return () => {
    assert.ok(queue.length > 0, "the prover drew more scalars than the vector lists");
    return queue.shift();
  };
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
