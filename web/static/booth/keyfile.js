// A voting key file, loaded in a browser other than the one that received the key.
//
// The booth offers the credential as voting-key-<election>.json: the credential's own
// form (evoting/crypto/credential.py, Credential.to_json: format, secret_key, prefix,
// signature, base64url) plus the election's id, for the resident's sake. `evote
// credential obtain` writes the same form without the id. The file comes from the
// resident's disk, so it is read as hostile: a bounded size, JSON of the right shape,
// exact base64url, and then the check that counts, the one the ballot box makes: this
// election's registrar signed this key for this election's fingerprint (RFC 9474
// RSASSA-PSS with SHA-384 over prefix || "EVOTING-V1-credential" || fingerprint ||
// credential public key). Only then does the booth use it.
//
// Every refusal is a KeyFileProblem whose `kind` the page words (booth.html):
//   not-key         too big, empty, not JSON, not a credential of this format
//   other-election  the file names another election
//   invalid         the registrar's signature does not hold for this election

import * as protocol from "./protocol.js";
import { ed25519 } from "../vendor/evote-vendor.js";

/** A key file is about 600 bytes; anything much larger is not one (and is not read). */
export const MAX_BYTES = 16 * 1024;

const FORMAT = "EVOTING-V1-credential";
const SALT_BYTES = 48; // RSABSSA-SHA384-PSS-Randomized: the salt is as long as SHA-384

export class KeyFileProblem extends Error {
  constructor(kind, detail = "") {
    super(detail ? `${kind}: ${detail}` : kind);
    this.name = "KeyFileProblem";
    this.kind = kind;
  }
}

const own = (value, name) => Object.prototype.hasOwnProperty.call(value, name);

function bytesOf(value, name, length) {
  const text = own(value, name) ? value[name] : undefined;
  let bytes;
  try {
    bytes = protocol.b64decode(text);
  } catch {
    throw new KeyFileProblem("not-key", `${name} is not base64url text`);
  }
  if (length !== undefined && bytes.length !== length) {
    throw new KeyFileProblem("not-key", `${name} is not ${length} bytes`);
  }
  return bytes;
}

/**
 * Read `file` (a File or Blob) and return the credential it holds, as the booth keeps
 * it, once this election's registrar's signature on it is checked. `params` are the
 * booth parameters (fingerprint, credential_key), `electionId` this election's id.
 */
export async function readKeyFile(file, params, electionId) {
  if (!file || typeof file.size !== "number" || file.size === 0 || file.size > MAX_BYTES) {
    throw new KeyFileProblem("not-key", "empty or too large");
  }
  let value;
  try {
    value = JSON.parse(await file.text());
  } catch {
    throw new KeyFileProblem("not-key", "not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)
      || !own(value, "format") || value.format !== FORMAT) {
    throw new KeyFileProblem("not-key", "not a credential");
  }
  if (own(value, "election") && value.election !== electionId) {
    throw new KeyFileProblem("other-election", String(value.election).slice(0, 100));
  }
  const secretKey = bytesOf(value, "secret_key", 32);
  const prefix = bytesOf(value, "prefix", protocol.PREFIX_BYTES);
  const signature = bytesOf(value, "signature");
  await checkSignature(params, secretKey, prefix, signature);
  return {
    format: FORMAT,
    secret_key: protocol.b64encode(secretKey),
    prefix: protocol.b64encode(prefix),
    signature: protocol.b64encode(signature),
  };
}

/** What `verify_credential` checks in Python (evoting/crypto/credential.py). */
async function checkSignature(params, secretKey, prefix, signature) {
  const rsaKey = await protocol.importCredentialKey(protocol.b64decode(params.credential_key));
  if (signature.length !== rsaKey.algorithm.modulusLength / 8) {
    throw new KeyFileProblem("invalid", "the signature has the wrong length");
  }
  const message = protocol.concat(prefix, protocol.credentialMessage(
    protocol.b64decode(params.fingerprint), ed25519.getPublicKey(secretKey)));
  let holds = false;
  try {
    holds = await crypto.subtle.verify({ name: "RSA-PSS", saltLength: SALT_BYTES }, rsaKey,
      signature, message);
  } catch {
    holds = false;
  }
  if (!holds) throw new KeyFileProblem("invalid", "not signed by this election's registrar");
}
