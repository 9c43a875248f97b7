// The booth's project questions: approval, points, budget basket and cumulative
// (templates/resident/booth/<type>.html, their shared parts in _projects.html).
//
// Each is an entry of questions.js's `questionTypes` with, beside `read` and `lines`,
// `setup(part)` (wires the live behaviour once) and `refresh(part)` (redraws after the
// form was reset). The form refuses, as the resident acts, what the ballot could not
// hold: a choice beyond approval's maximum, a project over what is left of the budget,
// more points than a project or the total allows; a rank given to a second project
// moves to it, saying so. What can only be judged at the end (too few choices, a rank
// missing, a basket under its minimum) is said by `read` as a ChoiceProblem. Then
// protocol.js's projectSelections turns the answer into the selections it encrypts and
// checks it once more (AnswerError): the final guard, whatever this file gets wrong.
//
// Nothing here leaves the page: the projects' titles and costs are read from the cards,
// and the answer becomes selections that are encrypted in this browser.

import { projectSelections } from "./protocol.js";
import { ChoiceProblem, cardsOf, chosenList, money, partOf, problem, refreshSearch, setupSearch,
  words } from "./project-parts.js";

/** The contest of the question (one per project question). */
function specOf(contests) {
  return contests[0];
}

/** The selections of `answer`: protocol.js says no to anything the ballot cannot hold. */
function selectionsOf(contests, answer, type) {
  const spec = specOf(contests);
  return { [spec.label]: projectSelections(spec, answer, type) };
}

function idsChosen(selections, spec) {
  return (selections[spec.label] ?? []).flatMap((s, i) => (s ? [spec.options[i]] : []));
}

// --- approval and budget: a checkbox per project -----------------------------------------

function checked(part) {
  return cardsOf(part).filter((card) => card.querySelector("input[type=checkbox]").checked);
}

function basket(part) {
  const q = partOf(part);
  const chosen = checked(part);
  const total = chosen.reduce((sum, card) => sum + Number(card.dataset.cost), 0);
  return { q, chosen, total, budget: Number(q.config.budget), unit: q.config.unit };
}

function drawApproval(part) {
  const q = partOf(part);
  const chosen = checked(part);
  q.count.textContent = words(part, "count", { n: chosen.length });
  chosenList(part, chosen.map((card) => q.title(card.dataset.project)), "nothing");
  refreshSearch(part);
}

function drawBudget(part) {
  const { q, chosen, total, budget, unit } = basket(part);
  q.count.textContent = words(part, "count", {
    total: money(total, unit), left: money(budget - total, unit),
  });
  const bar = part.querySelector("[data-bar]");
  if (bar) {
    bar.max = budget;
    bar.value = total;
  }
  chosenList(part, chosen.map((card) => words(part, "line", {
    title: q.title(card.dataset.project), cost: money(Number(card.dataset.cost), unit),
  })), "nothing");
  refreshSearch(part);
}

function setupApproval(part) {
  const q = partOf(part);
  q.fieldset.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox") return;
    if (box.checked && checked(part).length > Number(q.config.max)) {
      box.checked = false;
      problem(part, words(part, "too-many"));
    } else {
      problem(part, "");
    }
    drawApproval(part);
  });
  setupSearch(part);
  drawApproval(part);
}

function setupBudget(part) {
  const q = partOf(part);
  q.fieldset.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox") return;
    const { total, budget, unit } = basket(part);
    if (box.checked && total > budget) {
      box.checked = false;
      const card = box.closest(".project");
      const cost = Number(card.dataset.cost);
      problem(part, words(part, "over", {
        title: q.title(card.dataset.project), cost: money(cost, unit),
        left: money(budget - (total - cost), unit),
      }));
    } else {
      problem(part, "");
    }
    drawBudget(part);
  });
  setupSearch(part);
  drawBudget(part);
}

const approval = {
  setup: setupApproval,
  refresh: drawApproval,
  read(part, contests) {
    const q = partOf(part);
    const chosen = checked(part);
    if (chosen.length < Number(q.config.min)) {
      throw new ChoiceProblem(part, words(part, "too-few"));
    }
    return selectionsOf(contests, chosen.map((card) => card.dataset.project), "approval");
  },
  lines(part, contests, selections) {
    const q = partOf(part);
    const ids = idsChosen(selections, specOf(contests));
    return {
      question: q.question,
      summary: words(part, "count", { n: ids.length }),
      lines: ids.length ? ids.map((id) => ({ answer: q.title(id) }))
        : [{ answer: words(part, "nothing") }],
    };
  },
};

const budget = {
  setup: setupBudget,
  refresh: drawBudget,
  read(part, contests) {
    const { q, chosen, total, unit } = basket(part);
    if (total < Number(q.config.minSpend)) {
      throw new ChoiceProblem(part, words(part, "too-little", { total: money(total, unit) }));
    }
    return selectionsOf(contests, chosen.map((card) => card.dataset.project), "budget");
  },
  lines(part, contests, selections) {
    const q = partOf(part);
    const { unit } = q.config;
    const ids = idsChosen(selections, specOf(contests));
    const total = ids.reduce((sum, id) => sum + q.cost(id), 0);
    return {
      question: q.question,
      summary: words(part, "summary", { n: ids.length, total: money(total, unit) }, ids.length),
      lines: ids.length
        ? ids.map((id) => ({ answer: words(part, "line", { title: q.title(id),
          cost: money(q.cost(id), unit) }) }))
        : [{ answer: words(part, "nothing") }],
    };
  },
};

// --- points: a rank (1st choice, 2nd…) chosen under each project --------------------------

function rankOf(card) {
  return Number(card.querySelector("select[data-rank-of]").value || 0);
}

/** The project given each rank, 1 … ranks (null where none is). */
function ranking(part) {
  const ranks = Number(partOf(part).config.ranks);
  const byRank = Array.from({ length: ranks }, () => null);
  for (const card of cardsOf(part)) {
    const r = rankOf(card);
    if (r >= 1 && r <= ranks && byRank[r - 1] === null) byRank[r - 1] = card.dataset.project;
  }
  return byRank;
}

function drawPoints(part) {
  const q = partOf(part);
  const byRank = ranking(part);
  q.count.textContent = words(part, "count", { n: byRank.filter(Boolean).length });
  chosenList(part, byRank.map((id, r) => words(part, "pair", {
    label: words(part, `rank-${r + 1}`), value: id ? q.title(id) : words(part, "empty"),
  })));
  refreshSearch(part);
}

function setupPoints(part) {
  const q = partOf(part);
  q.fieldset.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches("select[data-rank-of]")) return;
    problem(part, "");
    if (select.value) {
      // A rank is one project's: giving it to this one takes it from the other, said aloud.
      for (const other of q.fieldset.querySelectorAll("select[data-rank-of]")) {
        if (other !== select && other.value === select.value) {
          other.value = "";
          problem(part, words(part, "moved", {
            rank: words(part, `ordinal-${select.value}`),
            new: q.title(select.dataset.rankOf), old: q.title(other.dataset.rankOf),
          }), "notice");
        }
      }
    }
    drawPoints(part);
  });
  setupSearch(part);
  drawPoints(part);
}

const points = {
  setup: setupPoints,
  refresh: drawPoints,
  read(part, contests) {
    const q = partOf(part);
    const byRank = ranking(part);
    const fewer = q.config.fewer === "true";
    const missing = byRank.indexOf(null);
    const laterGiven = missing >= 0 && byRank.slice(missing).some(Boolean);
    if (missing >= 0 && (!fewer || laterGiven)) {
      const rank = words(part, `ordinal-${missing + 1}`);
      throw new ChoiceProblem(part, words(part, fewer ? "gap" : "missing", { rank }));
    }
    return selectionsOf(contests, byRank.filter(Boolean), "points");
  },
  lines(part, contests, selections) {
    const q = partOf(part);
    const spec = specOf(contests);
    const ranks = Number(q.config.ranks);
    const n = spec.options.length / ranks;
    const chosen = selections[spec.label] ?? [];
    const lines = [];
    for (let r = 0; r < ranks; r += 1) {
      const at = chosen.slice(r * n, (r + 1) * n).indexOf(1);
      const option = at < 0 ? null : spec.options[r * n + at];
      const id = option && option.slice(option.indexOf(":") + 1);
      lines.push({ label: words(part, `rank-${r + 1}`),
        answer: id ? q.title(id) : words(part, "empty") });
    }
    return { question: q.question, lines };
  },
};

// --- cumulative: points shared out, with − and + ------------------------------------------

function pointsGiven(part) {
  return cardsOf(part).map((card) => {
    const value = Number.parseInt(card.querySelector("input[data-points-of]").value, 10);
    return [card, Number.isSafeInteger(value) && value > 0 ? value : 0];
  });
}

function drawCumulative(part) {
  const q = partOf(part);
  const given = pointsGiven(part);
  const total = given.reduce((sum, [, value]) => sum + value, 0);
  q.count.textContent = words(part, "count", { left: Number(q.config.maxTotal) - total });
  chosenList(part, given.filter(([, value]) => value > 0).map(([card, value]) => words(part,
    "pair", { label: q.title(card.dataset.project),
      value: words(part, "points", { n: value }, value) })), "nothing");
  refreshSearch(part);
}

/** Set a project's points to `wanted`, or to as many as the rules allow, saying why. */
function givePoints(part, input, wanted) {
  const q = partOf(part);
  const each = Number(q.config.maxEach);
  const others = pointsGiven(part)
    .filter(([card]) => card.dataset.project !== input.dataset.pointsOf)
    .reduce((sum, [, value]) => sum + value, 0);
  const room = Number(q.config.maxTotal) - others;
  let value = Number.isSafeInteger(wanted) && wanted > 0 ? wanted : 0;
  problem(part, "");
  if (value > each) {
    value = each;
    problem(part, words(part, "each"));
  }
  if (value > room) {
    value = Math.max(room, 0);
    problem(part, value > 0 ? words(part, "only-left", { n: value }, value)
      : words(part, "none-left"));
  }
  input.value = String(value);
  drawCumulative(part);
}

function setupCumulative(part) {
  const q = partOf(part);
  q.fieldset.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-step]");
    if (!button) return;
    const input = button.closest(".project").querySelector("input[data-points-of]");
    const now = Number.parseInt(input.value, 10) || 0;
    givePoints(part, input, Math.max(0, now + Number(button.dataset.step)));
  });
  q.fieldset.addEventListener("change", (event) => {
    const input = event.target;
    if (input.matches("input[data-points-of]")) {
      givePoints(part, input, Number.parseInt(input.value, 10));
    }
  });
  // Enter in a number gives the points (it does not encrypt the ballot, the form's submit).
  q.fieldset.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key === "Enter" && input.matches("input[data-points-of]")) {
      event.preventDefault();
      givePoints(part, input, Number.parseInt(input.value, 10));
    }
  });
  setupSearch(part);
  drawCumulative(part);
}

const cumulative = {
  setup: setupCumulative,
  refresh: drawCumulative,
  read(part, contests) {
    const answer = {};
    for (const [card, value] of pointsGiven(part)) {
      if (value > 0) answer[card.dataset.project] = value;
    }
    return selectionsOf(contests, answer, "cumulative");
  },
  lines(part, contests, selections) {
    const q = partOf(part);
    const spec = specOf(contests);
    const chosen = selections[spec.label] ?? [];
    const given = chosen.reduce((sum, value) => sum + value, 0);
    const lines = spec.options.flatMap((id, i) => (chosen[i] > 0
      ? [{ label: q.title(id), answer: words(part, "points", { n: chosen[i] }, chosen[i]) }]
      : []));
    return {
      question: q.question,
      summary: words(part, "summary", { given }),
      lines: lines.length ? lines : [{ answer: words(part, "nothing") }],
    };
  },
};

export const projectTypes = { approval, points, budget, cumulative };
export { ChoiceProblem };
