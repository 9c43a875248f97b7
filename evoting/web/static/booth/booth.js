// The voting booth: credential, encryption, challenge or cast, in this browser.
//
// The page (templates/resident/booth.html) holds every text; this script only
// shows and hides its parts. The voting key (credential) is kept in
// localStorage from the moment it is made until the ballot is cast, so a reload
// or a dropped connection does not cost the resident their vote. Even the
// request for it is kept before it is sent: if the registrar's answer is lost,
// the same request is sent again and the registrar answers it again (and only it).

import * as protocol from "./protocol.js";

const root = document.getElementById("booth");
const data = root.dataset;
const storeKey = `evote:${data.election}:credential`;
const receiptKey = `evote:${data.election}:receipt`;

const $ = (id) => document.getElementById(id);
const sections = ["keep", "choose", "review", "challenged", "receipt"];

function show(...ids) {
  for (const id of sections) $(id).hidden = !ids.includes(id);
}

function say(name, detail = "") {
  for (const p of root.querySelectorAll("[data-message]")) {
    p.hidden = p.dataset.message !== name;
    const slot = p.querySelector("[data-detail]");
    if (slot && p.dataset.message === name) slot.textContent = detail;
  }
}

// What to say when the server refuses: the page's words for the API's error code
// (its message is English, for programs, and never shown).
function refusal(code) {
  const texts = $("refusals").content;
  const found = texts.querySelector(`[data-code="${CSS.escape(String(code ?? ""))}"]`)
    ?? texts.querySelector('[data-code="other"]');
  return found.textContent.trim();
}

function blobLink(anchor, value) {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  anchor.href = URL.createObjectURL(blob);
}

// The receipt file: exactly the ballot box's receipt (what `evote verify --receipt`
// reads), named receipt-<election>-<short tracking code>.json.
function receiptLink(anchor, receipt) {
  const { tracking_code, position, head } = receipt;
  blobLink(anchor, { tracking_code, position, head });
  anchor.download = `receipt-${data.election}-${protocol.trackingCodeShort(tracking_code)}.json`;
}

async function request(url, body) {
  // No cookie goes with any of these: the ticket or the credential is the
  // authority, and nothing ties a ballot to a login session.
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
    credentials: "omit",
    cache: "no-store",
  });
  const answer = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, answer };
}

let params;
let credential;
let current; // the encrypted ballot under review

const packed = (request) => Object.fromEntries(
  Object.entries(request).map(([name, bytes]) => [name, protocol.b64encode(bytes)]));
const unpacked = (kept) => Object.fromEntries(
  Object.entries(kept).map(([name, text]) => [name, protocol.b64decode(text)]));

async function obtainCredential(ticket, kept) {
  say("working");
  const rsaKey = await protocol.importCredentialKey(protocol.b64decode(params.credential_key));
  const pending = kept
    ? unpacked(kept)
    : await protocol.startCredential(rsaKey, protocol.b64decode(params.fingerprint));
  localStorage.setItem(storeKey, JSON.stringify({ ticket, pending: packed(pending) }));
  const { ok, answer } = await request(data.credentialUrl, JSON.stringify({
    ticket,
    blinded: protocol.b64encode(pending.blinded),
  }));
  if (!ok) {
    say("refused", refusal(answer.error));
    return null;
  }
  const made = await protocol.finishCredential(rsaKey, pending,
    protocol.b64decode(answer.blind_signature));
  localStorage.setItem(storeKey, JSON.stringify({ ticket, credential: made }));
  return made;
}

function selectionsFromForm() {
  const selections = {};
  for (const spec of params.contests) {
    const fieldset = root.querySelector(`fieldset[data-label="${CSS.escape(spec.label)}"]`);
    const chosen = fieldset?.querySelector("input[type=radio]:checked");
    if (!chosen) return null;
    selections[spec.label] = spec.options.map((option) => (option === chosen.value ? 1 : 0));
  }
  return selections;
}

function encrypt(event) {
  event.preventDefault();
  const selections = selectionsFromForm();
  if (!selections) {
    say("answer-all");
    return;
  }
  say("working");
  const started = performance.now();
  current = protocol.encryptBallot(params, credential, selections);
  root.dataset.encryptMs = (performance.now() - started).toFixed(1);
  $("tracking-short").textContent = protocol.trackingCodeShort(current.trackingCode);
  $("tracking-full").textContent = current.trackingCode;
  say("");
  show("review");
  $("cast").focus();
}

async function cast() {
  say("working");
  let result;
  try {
    result = await request(data.castUrl, current.canonical);
  } catch {
    say("network");
    return;
  }
  if (!result.ok) {
    say(result.answer.error === "credential_used" ? "credential-used" : "refused",
      refusal(result.answer.error));
    return;
  }
  if (result.answer.tracking_code !== current.trackingCode) {
    say("refused", refusal("mismatch"));
    return;
  }
  localStorage.setItem(receiptKey, JSON.stringify({ ticket: data.ticket, receipt: result.answer }));
  localStorage.removeItem(storeKey);
  showReceipt(result.answer);
}

function showReceipt(receipt) {
  say("");
  $("receipt-short").textContent = protocol.trackingCodeShort(receipt.tracking_code);
  $("receipt-position").textContent = String(receipt.position);
  $("receipt-head").textContent = receipt.head.head;
  $("board-link").href = `${data.boardUrl}?code=${encodeURIComponent(receipt.tracking_code)}`;
  receiptLink($("download-receipt"), receipt);
  show("receipt");
  $("receipt").querySelector("h2").focus?.();
}

async function challenge() {
  const spoiled = protocol.spoil(current.ballot, current.secrets);
  say("working");
  let result;
  try {
    result = await request(data.spoilUrl, protocol.canonicalJson(spoiled));
  } catch {
    say("network");
    return;
  }
  if (!result.ok) {
    say("refused", refusal(result.answer.error));
    return;
  }
  const names = $("option-names").content;
  const list = $("revealed");
  list.replaceChildren();
  for (const spec of params.contests) {
    const chosen = current.secrets.find((s) => s.label === spec.label).selections;
    const option = spec.options[chosen.indexOf(1)];
    const legend = root.querySelector(`fieldset[data-label="${CSS.escape(spec.label)}"] legend`);
    const item = document.createElement("li");
    const name = names.querySelector(`[data-option="${CSS.escape(option)}"]`)?.textContent
      ?? option;
    item.textContent = `${legend?.textContent ?? spec.label}: ${name}`;
    list.append(item);
  }
  $("spoiled-link").href = `${data.spoiledUrl}?code=${encodeURIComponent(current.trackingCode)}`;
  current = null;
  say("");
  show("challenged");
}

function fresh() {
  $("choose").reset();
  show("keep", "choose");
  root.querySelector("fieldset input")?.focus();
}

async function start() {
  if (!globalThis.crypto?.subtle) {
    say("unsupported");
    return;
  }
  // What this browser keeps belongs to the login (ticket) that made it: a new login
  // on a shared browser starts afresh instead of seeing someone else's vote.
  const stored = JSON.parse(localStorage.getItem(storeKey) ?? "null");
  const done = JSON.parse(localStorage.getItem(receiptKey) ?? "null");
  const mine = (kept) => kept && (!data.ticket || kept.ticket === data.ticket);
  credential = mine(stored) ? stored.credential ?? null : null;
  const asked = mine(stored) && stored.pending ? stored : null; // its answer never came
  if (!credential && mine(done)) {
    showReceipt(done.receipt);
    return;
  }
  let response;
  try {
    response = await fetch(data.paramsUrl, { credentials: "omit" });
  } catch {
    say("network");
    return;
  }
  if (!response.ok) {
    say("refused", refusal("unavailable"));
    return;
  }
  params = await response.json();
  if (!credential) {
    if (!data.ticket && !asked) {
      say("need-login");
      return;
    }
    try {
      credential = asked
        ? await obtainCredential(asked.ticket, asked.pending)
        : await obtainCredential(data.ticket, null);
    } catch {
      say("network");
      return;
    }
    if (!credential) return;
  }
  blobLink($("download-credential"), credential);
  say("");
  show("keep", "choose");
}

$("choose").addEventListener("submit", encrypt);
$("cast").addEventListener("click", cast);
$("challenge").addEventListener("click", challenge);
$("fresh").addEventListener("click", fresh);
start();
