// The booth's question types: how each reads its answers from the form, and what the
// review step shows of them.
//
// booth.html draws every question inside
//   <div class="question" data-question="ID" data-type="TYPE">
// from templates/resident/booth/TYPE.html; its text carries `data-question-text` and
// each contest's part of the form is a <fieldset data-label="LABEL">. A question type
// is one entry of `questionTypes`:
//
//   read(part, contests)              → {label: selections} for the question's
//                                        contests, or null if an answer is missing
//                                        (a project question throws a ChoiceProblem
//                                        saying what to fix, or protocol.js's
//                                        AnswerError)
//   lines(part, contests, selections) → {question, summary?, lines: [{label?, answer}]}:
//                                        what the resident reads, in the page's own words
//   setup(part), refresh(part)        → optional: wire the question's live behaviour
//                                        once; redraw it after the form was reset
//
// `part` is the question's <div>, `contests` the booth parameters' contests of this
// question (label, options, shape; ballots/booth.py), `selections` maps each contest
// label to its 0/1… vector: what the device encrypts. The review step and a ballot
// opened for checking both show `lines` of the selections themselves, so the resident
// reads what the ballot holds, not what the form happens to show.
//
// The project questions (approval, points, budget basket, cumulative) are projects.js's
// entries. A new question type adds its template, its entry here, and nothing else of
// the booth changes. booth.js reads the whole form with `readForm` and draws what a
// ballot holds with `showChoices`, below.

import { AnswerError } from "./protocol.js";
import { ChoiceProblem, projectTypes } from "./projects.js";

export { ChoiceProblem };

/** The part of the form that answers one contest. */
export function fieldsetOf(part, label) {
  return part.querySelector(`fieldset[data-label="${CSS.escape(label)}"]`);
}

/** The words of the form's choice for `option` in `fieldset` (the label's text). */
export function optionName(fieldset, option) {
  const input = fieldset?.querySelector(`input[value="${CSS.escape(option)}"]`);
  const label = input?.closest("label");
  return label ? label.textContent.trim() : option;
}

/** The question's own text (its legend or heading). */
export function questionText(part) {
  return part.querySelector("[data-question-text]")?.textContent.trim() ?? part.dataset.question;
}

/** Exactly one of the options, chosen with a radio button: its 0/1 vector, or null. */
function readOneOf(part, spec) {
  const chosen = fieldsetOf(part, spec.label)?.querySelector("input[type=radio]:checked");
  if (!chosen || !spec.options.includes(chosen.value)) return null;
  return spec.options.map((option) => (option === chosen.value ? 1 : 0));
}

function readEachOneOf(part, contests) {
  const out = {};
  for (const spec of contests) {
    const selections = readOneOf(part, spec);
    if (!selections) return null;
    out[spec.label] = selections;
  }
  return out;
}

/** The name of the one option a 0/1 vector chooses ("–" if it chooses none). */
function chosenName(part, spec, selections) {
  const index = (selections[spec.label] ?? []).indexOf(1);
  return index < 0 ? "–" : optionName(fieldsetOf(part, spec.label), spec.options[index]);
}

export const questionTypes = {
  referendum: {
    read: readEachOneOf,
    lines: (part, contests, selections) => ({
      question: questionText(part),
      lines: contests.map((spec) => ({ answer: chosenName(part, spec, selections) })),
    }),
  },
  consultation: {
    read: readEachOneOf,
    lines: (part, contests, selections) => ({
      question: questionText(part),
      lines: contests.map((spec) => ({
        label: fieldsetOf(part, spec.label)?.querySelector("legend")?.textContent.trim()
          ?? spec.statement ?? spec.label,
        answer: chosenName(part, spec, selections),
      })),
    }),
  },
  ...projectTypes,
};

/**
 * The questions of the form `form`: each part with its type's entry and, given the
 * booth parameters' contests, the contests it answers.
 */
export function formQuestions(form, contests = []) {
  return Array.from(form.querySelectorAll(".question[data-type]"), (part) => ({
    part,
    type: questionTypes[part.dataset.type],
    contests: contests.filter((spec) => spec.question === part.dataset.question),
  }));
}

/**
 * Every question's answer as its contests' selections, or null if one is missing. A
 * project question that cannot be a ballot yet throws a ChoiceProblem saying why (also
 * for protocol.js's AnswerError, its last guard, whose message it carries).
 */
export function readForm(questions) {
  const selections = {};
  for (const { part, type, contests } of questions) {
    let read;
    try {
      read = type?.read(part, contests);
    } catch (error) {
      if (error instanceof AnswerError) throw new ChoiceProblem(part, error.message);
      throw error;
    }
    if (!read) {
      part.querySelector("input")?.focus();
      return null;
    }
    Object.assign(selections, read);
  }
  const complete = questions.every(({ contests }) =>
    contests.every((spec) => Array.isArray(selections[spec.label])));
  return complete ? selections : null;
}

/** Say a question's problem beside it (its counter), with the focus on it. */
export function questionProblem(part, message) {
  const slot = part.querySelector("[data-problem]");
  if (!slot) return false;
  slot.textContent = message;
  slot.className = "error";
  slot.hidden = false;
  slot.focus();
  return true;
}

export function clearProblems(form) {
  for (const slot of form.querySelectorAll("[data-problem]")) slot.hidden = true;
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/**
 * What a ballot holds, in words: per question its text, a summary where the type gives
 * one (a basket's total), and the answers (per statement, per rank, per project). The
 * review step before casting and a ballot opened for checking both show it, from the
 * selections the ballot encrypts.
 */
export function showChoices(container, questions, selections) {
  container.replaceChildren();
  for (const { part, type, contests } of questions) {
    const { question, summary, lines } = type.lines(part, contests, selections);
    const block = element("div", "choice");
    block.append(element("h3", "", question));
    if (summary) block.append(element("p", "summary", summary));
    if (lines.some((line) => line.label)) {
      const list = element("dl", "facts answers");
      for (const { label, answer } of lines) {
        list.append(element("dt", "", label ?? ""), element("dd", "", answer));
      }
      block.append(list);
    } else {
      for (const { answer } of lines) block.append(element("p", "answer", answer));
    }
    container.append(block);
  }
}
