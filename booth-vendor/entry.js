// The only third-party code the booth runs: these exports, bundled by build.sh
// into web/static/vendor/evote-vendor.js.
export { ed25519, ristretto255 } from "@noble/curves/ed25519.js";
export { sha256, sha512 } from "@noble/hashes/sha2.js";
export { RSABSSA } from "@cloudflare/blindrsa-ts";
