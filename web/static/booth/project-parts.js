// What the booth's four project types share (projects.js): the page's words and
// amounts, the cards, the list of what was chosen, the counter and its refusals, and
// the search over many projects (templates/resident/booth/_projects.html).

const NBSP = "\u00a0";
const SEPARATORS = { nl: [".", ","], fr: [NBSP, ","], en: [",", "."] };

/** The page's language (nl, fr or en; Dutch by default). */
export function lang() {
  const code = document.documentElement.lang;
  return Object.hasOwn(SEPARATORS, code) ? code : "nl";
}

/**
 * An amount as the page and the official report write it (audit/report_text.py
 * `money`): 38.000 EUR (nl), 38 000 EUR (fr), EUR 38,000 (en), with no-break spaces;
 * a question counted in cents shows euros and cents (38.000,50 EUR).
 */
export function money(amount, unit = "EUR", language = lang()) {
  const [thousands, decimals] = SEPARATORS[language] ?? SEPARATORS.nl;
  const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  const sign = amount < 0 ? "-" : "";
  const size = Math.abs(amount);
  const shown = unit === "cent"
    ? `${sign}${grouped(Math.floor(size / 100))}${decimals}${String(size % 100).padStart(2, "0")}`
    : `${sign}${grouped(size)}`;
  return language === "en" ? `EUR${NBSP}${shown}` : `${shown}${NBSP}EUR`;
}

/** What a resident must fix before the ballot is made, said in the question's words. */
export class ChoiceProblem extends Error {
  constructor(part, message) {
    super(message);
    this.name = "ChoiceProblem";
    this.part = part;
  }
}

/**
 * The page's text `name` from the question's <template data-texts>, its {placeholders}
 * filled with `values`; with `count`, its singular or plural form by the language's
 * plural rule (the catalogue gives both).
 */
export function words(part, name, values = {}, count = null) {
  const texts = part.querySelector("template[data-texts]").content;
  let found = texts.querySelector(`[data-text="${CSS.escape(name)}"]:not([data-plural])`);
  if (count !== null) {
    const form = new Intl.PluralRules(lang()).select(count) === "one" ? "one" : "other";
    found = texts.querySelector(`[data-text="${CSS.escape(name)}"][data-plural="${form}"]`);
  }
  const text = found ? found.textContent.trim() : name;
  return text.replace(/\{([a-z]+)\}/g, (all, key) =>
    (Object.hasOwn(values, key) ? String(values[key]) : all));
}

const parts = new WeakMap();

/** The question's parts of the form, found once: its fieldset (whose data-* are the
 * manifest's figures), counter, and each project's title and cost from its card. */
export function partOf(part) {
  let found = parts.get(part);
  if (!found) {
    const fieldset = part.querySelector("fieldset[data-label]");
    const cards = new Map(Array.from(fieldset.querySelectorAll(".project[data-project]"),
      (card) => [card.dataset.project, card]));
    found = {
      fieldset,
      config: fieldset.dataset,
      count: part.querySelector("[data-count]"),
      question: part.querySelector("[data-question-text]")?.textContent.trim()
        ?? part.dataset.question,
      cards,
      title: (id) => cards.get(id)?.querySelector("[data-title]")?.textContent.trim() ?? id,
      cost: (id) => Number(cards.get(id)?.dataset.cost ?? 0),
    };
    parts.set(part, found);
  }
  return found;
}

export function cardsOf(part) {
  return [...partOf(part).cards.values()];
}

/** Say why a choice was refused (or, as "notice", what changed), or say nothing. */
export function problem(part, message, kind = "error") {
  const slot = part.querySelector("[data-problem]");
  slot.textContent = message;
  slot.className = kind;
  slot.hidden = !message;
}

/** The list of what was chosen, above the projects (`empty`: the text if none). */
export function chosenList(part, items, empty = null) {
  const list = part.querySelector("[data-chosen]");
  const shown = items.length || empty === null ? items : [words(part, empty)];
  list.replaceChildren(...shown.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
  for (const card of cardsOf(part)) card.classList.toggle("chosen", isChosen(card));
}

function isChosen(card) {
  return Array.from(card.querySelectorAll("input, select")).some((control) =>
    (control.type === "checkbox" ? control.checked : Number(control.value || 0) > 0));
}

/** Lower case, accents dropped: "Éclairage" is found by "eclairage". */
function plain(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
}

/** The search over many projects (none under 16: the template leaves it out). */
export function setupSearch(part) {
  const search = part.querySelector("[data-search]");
  if (!search) return;
  for (const card of cardsOf(part)) {
    const text = [card.querySelector("[data-title]"), card.querySelector(".project-description")]
      .map((e) => e?.textContent ?? "").join(" ");
    card.dataset.searchText = plain(text);
  }
  const box = search.querySelector("[data-search-text]");
  box.addEventListener("input", () => refreshSearch(part));
  // Enter in the search box searches: it must not encrypt the ballot (the form's submit).
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
  search.querySelector("[data-search-domain]")?.addEventListener("change", () => refreshSearch(part));
}

/** Show the projects the search finds, and every project chosen whatever the search. */
export function refreshSearch(part) {
  const search = part.querySelector("[data-search]");
  if (!search) return;
  const wanted = plain(search.querySelector("[data-search-text]").value);
  const domain = search.querySelector("[data-search-domain]")?.value ?? "";
  let found = 0;
  for (const card of cardsOf(part)) {
    const match = (!wanted || card.dataset.searchText.includes(wanted))
      && (!domain || card.dataset.domain === domain);
    card.hidden = !(match || card.classList.contains("chosen"));
    if (match) found += 1;
  }
  const said = search.querySelector("[data-shown]");
  said.textContent = found === 0 ? words(part, "none-shown") : words(part, "shown", { found });
  said.hidden = !wanted && !domain;
}
