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
//   lines(part, contests, selections) → {question, lines: [{label?, answer}]}: what
//                                        the resident reads, in the page's own words
//
// `part` is the question's <div>, `contests` the booth parameters' contests of this
// question (label, options, shape; ballots/booth.py), `selections` maps each contest
// label to its 0/1… vector: what the device encrypts. The review step and a ballot
// opened for checking both show `lines` of the selections themselves, so the resident
// reads what the ballot holds, not what the form happens to show.
//
// A new question type (approval, points, budget basket, cumulative…) adds its
// template, its entry here, and nothing else of the booth changes.

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
};
