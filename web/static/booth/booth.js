// The voting booth: credential, encryption, review, challenge or cast, in this browser.
//
// The page (templates/resident/booth.html) holds every text; this script only
// shows and hides its parts. The voting key (credential) is kept in
// localStorage from the moment it is made until the ballot is cast, so a reload
// or a dropped connection does not cost the resident their vote. Even the
// request for it is kept before it is sent: if the registrar's answer is lost,
// the same request is sent again and the registrar answers it again (and only it).
// A resident who received the key in another browser loads the key file saved
// there (keyfile.js checks it is this election's; it is kept in no storage of this
// browser, which may not be theirs); each question type reads its
// answers and sums them up for review through questions.js (a project question also
// wires its live counters and search there, projects.js).

import { KeyFileProblem, readKeyFile } from "./keyfile.js";
import * as protocol from "./protocol.js";
import { ChoiceProblem, clearProblems, formQuestions, questionProblem, readForm, showChoices } from "./questions.js";

const root = document.getElementById("booth");
const data = root.dataset;
const storeKey = `evote:${data.election}:credential`;
const receiptKey = `evote:${data.election}:receipt`;

const $ = (id) => document.getElementById(id);
const sections = ["load-key", "keep", "choose", "review", "challenged", "receipt"];

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

// A hash in groups of eight characters that wrap as a whole on a narrow screen (the
// templates' `grouped` macro, _code.html): spans with a line-break opportunity between.
function grouped(element, text) {
  const parts = [];
  for (let at = 0; at < text.length; at += 8) {
    if (at) parts.push(document.createElement("wbr"));
    const group = document.createElement("span");
    group.textContent = text.slice(at, at + 8);
    parts.push(group);
  }
  const hash = document.createElement("span");
  hash.className = "hash";
  hash.append(...parts);
  element.replaceChildren(hash);
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
let keptIn = "browser"; // "file": loaded from the key file, kept in no storage here
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

// The questions of the form, each with its type's reader and summary (questions.js).
const questions = () => formQuestions($("choose"), params.contests);

// Let the page show "One moment" before the encryption holds the main thread (a
// participatory budget's ballot takes a moment on a phone).
const painted = () => new Promise((done) => {
  requestAnimationFrame(() => setTimeout(done, 0));
});

let encrypting = false;

async function encrypt(event) {
  event.preventDefault();
  if (encrypting) return;
  clearProblems($("choose"));
  let selections;
  try {
    selections = readForm(questions());
  } catch (error) {
    say("");
    if (!(error instanceof ChoiceProblem)) {
      say("refused", refusal("other"));
    } else if (!questionProblem(error.part, error.message)) {
      say("refused", error.message);
    }
    return;
  }
  if (!selections) {
    say("answer-all");
    return;
  }
  say("working");
  encrypting = true;
  try {
    await painted();
    const started = performance.now();
    current = protocol.encryptBallot(params, credential, selections);
    root.dataset.encryptMs = (performance.now() - started).toFixed(1);
  } catch (error) {
    // The protocol's last guard: said in its words, never as a stack trace.
    current = null;
    say("refused", error instanceof protocol.AnswerError ? error.message : refusal("other"));
    return;
  } finally {
    encrypting = false;
  }
  showChoices($("summary"), questions(), selections);
  $("tracking-short").textContent = protocol.trackingCodeShort(current.trackingCode);
  grouped($("tracking-full"), current.trackingCode);
  say("");
  show("review");
  $("review").querySelector("h2").focus();
}

// Back to the choices, as they were: the encrypted ballot was never sent, and a new
// one (fresh randomness, a new tracking code) is made from the changed choices.
function change() {
  current = null;
  say("");
  show("keep", "choose");
  const form = $("choose");
  (form.querySelector(".question input:checked")
    ?? form.querySelector(".question :is(input, select)"))?.focus();
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
  if (keptIn === "browser") { // a key from a file leaves no trace in this browser
    localStorage.setItem(receiptKey, JSON.stringify({ ticket: data.ticket, receipt: result.answer }));
    localStorage.removeItem(storeKey);
  }
  showReceipt(result.answer);
}

function showReceipt(receipt) {
  say("");
  $("receipt-short").textContent = protocol.trackingCodeShort(receipt.tracking_code);
  $("receipt-position").textContent = String(receipt.position);
  grouped($("receipt-head"), String(receipt.head?.head ?? ""));
  $("board-link").href = `${data.boardUrl}?code=${encodeURIComponent(receipt.tracking_code)}`;
  receiptLink($("download-receipt"), receipt);
  $("receipt-not-kept").hidden = keptIn !== "file";
  show("receipt");
  $("receipt").querySelector("h2").focus();
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
  showChoices($("revealed"), questions(), Object.fromEntries(
    current.secrets.map(({ label, selections }) => [label, selections])));
  $("spoiled-link").href = `${data.spoiledUrl}?code=${encodeURIComponent(current.trackingCode)}`;
  current = null;
  say("");
  show("challenged");
}

function fresh() {
  $("choose").reset();
  clearProblems($("choose"));
  for (const { part, type } of formQuestions($("choose"))) type?.refresh?.(part);
  show("keep", "choose");
  root.querySelector("fieldset :is(input, select)")?.focus();
}

// The key file saved in another browser: checked, then used from this page's memory.
async function loadKeyFile() {
  const input = $("key-file");
  const file = input.files?.[0];
  if (!file) return;
  keyProblem("");
  let loaded;
  try {
    loaded = await readKeyFile(file, params, data.election);
  } catch (problem) {
    keyProblem(problem instanceof KeyFileProblem ? problem.kind : "not-key");
    input.value = "";
    input.focus();
    return;
  }
  credential = loaded;
  keptIn = "file"; // in this page's memory only: this browser may not be the resident's
  ready();
}

function keyProblem(kind) {
  for (const p of $("key-problems").querySelectorAll("[data-key-problem]")) {
    p.hidden = p.dataset.keyProblem !== kind;
  }
  $("key-file").setAttribute("aria-invalid", kind ? "true" : "false");
}

// The key file is offered wherever this page has no key of its own, and also beside
// what this browser keeps when nobody is logged in: that may be someone else's key or
// vote (a friend's computer), and the resident who came with their file must not be
// led to vote with the other key instead.
function offerKeyFile() {
  $("load-key").hidden = false;
}

// The key is here: kept in localStorage until the cast, or loaded from the key file
// and kept nowhere but this page (`keptIn`).
function ready() {
  for (const part of $("keep").querySelectorAll("[data-kept]")) {
    part.hidden = part.dataset.kept !== keptIn;
  }
  if (keptIn === "browser") {
    blobLink($("download-credential"), { ...credential, election: data.election });
  }
  say("");
  show("keep", "choose");
  if (keptIn === "browser" && !data.ticket) offerKeyFile();
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
  const voted = !credential && mine(done);
  if (voted) {
    showReceipt(done.receipt);
    if (data.ticket) return; // this login's vote is cast
  }
  let response;
  try {
    response = await fetch(data.paramsUrl, { credentials: "omit" });
  } catch {
    if (!voted) say("network");
    return;
  }
  if (!response.ok) {
    if (!voted) say("refused", refusal("unavailable"));
    return;
  }
  params = await response.json();
  if (voted) {
    offerKeyFile(); // the vote shown may be someone else's, on a borrowed browser
    return;
  }
  if (questions().some(({ type }) => !type)) {
    say("refused", refusal("question_type"));
    return;
  }
  if (!credential) {
    if (!data.ticket && !asked) {
      say("need-login");
      offerKeyFile();
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
    if (!credential) {
      offerKeyFile();
      return;
    }
  }
  ready();
}

for (const { part, type } of formQuestions($("choose"))) type?.setup?.(part);
$("choose").addEventListener("submit", encrypt);
$("change").addEventListener("click", change);
$("cast").addEventListener("click", cast);
$("challenge").addEventListener("click", challenge);
$("fresh").addEventListener("click", fresh);
$("key-file").addEventListener("change", loadKeyFile);
start();
