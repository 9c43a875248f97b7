// The booth's reading of project questions, for tests/web/test_booth_js.py to compare
// with ballots/encoding.py. One JSON document on stdin:
//
//   {"questions": [manifest question, …], "cases": [{"question": id, "answer": …}, …]}
//
// and one on stdout: {"contests": [projectContest(q), …], "cases": [{"selections": […]}
// or {"error": name, "message": text}, …]}, each case answered with the contest
// projectContest derives from the manifest's question.

import { readFileSync } from "node:fs";

import * as p from "../../web/static/booth/protocol.js";

const { questions, cases } = JSON.parse(readFileSync(0, "utf8"));
const contests = questions.map((q) => p.projectContest(q));
const byQuestion = new Map(contests.map((c) => [c.question, c]));
const answered = cases.map(({ question, answer }) => {
  try {
    return { selections: p.projectSelections(byQuestion.get(question), answer) };
  } catch (error) {
    if (!(error instanceof p.ProtocolError)) throw error;
    return { error: error.name, message: error.message };
  }
});
process.stdout.write(`${JSON.stringify({ contests, cases: answered })}\n`);
