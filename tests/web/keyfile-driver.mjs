// Drives the booth's key-file reader (web/static/booth/keyfile.js) for
// tests/web/test_keyfile_js.py: one JSON document on stdin,
//
//   {"params": <booth parameters>, "election": id,
//    "files": {name: {"text": …} | {"base64": …} | {"size": n, "unreadable": true}}}
//
// and on stdout, per file, {"credential": …} or {"kind": …, "read": bool}.

import { webcrypto } from "node:crypto";

import { KeyFileProblem, readKeyFile } from "../../web/static/booth/keyfile.js";

globalThis.crypto ??= webcrypto;

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { params, election, files } = JSON.parse(input);
const out = {};
for (const [name, spec] of Object.entries(files)) {
  let read = false;
  const file = spec.unreadable
    ? { size: spec.size, text: async () => { read = true; throw new Error("read"); } }
    : new Blob([spec.base64 !== undefined ? Buffer.from(spec.base64, "base64") : spec.text]);
  try {
    out[name] = { credential: await readKeyFile(file, params, election) };
  } catch (problem) {
    out[name] = problem instanceof KeyFileProblem
      ? { kind: problem.kind, read }
      : { error: String(problem) };
  }
}
process.stdout.write(JSON.stringify(out));
