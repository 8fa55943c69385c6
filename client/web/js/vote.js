// Voting, shared by the member's page and the chair's (the chair is a voting member too).
//
// The own vote survives a reload or a lost connection: for a named ballot the log's
// vote.cast has the choice; for a secret one only this device knows it, so the choice and
// receipt are kept in localStorage per session, person and poll (a device may be shared) until
// the poll closes. A vote whose answer never came is sent again (the server recognises a
// retry and answers with the same receipt).

import { t } from "./i18n.js";
import { currentPoll, isPresent, person } from "./state.js";
import { command, h, replace, showError } from "./ui.js";
import { CHOICES, ballotLabel, draftLink, pollProgress, pollResult, pollSpec } from "./views.js";

const el = {};
let confirming = null; // {poll, choice} while the member confirms
const sending = new Set(); // polls with a vote in flight
let checkinHref = "#checkin";

/** Make `container` this page's vote box; `checkin`: where "check in first" points. */
let compact = false;

/** Make `container` this page's vote box; `checkin`: where "check in first" points; `compact`: no title,
 *  spec or progress (the chair's page shows them in its poll panel already). */
export function voteBox(container, { checkin = "#checkin", compact: small = false } = {}) {
  el.vote = container;
  checkinHref = checkin;
  compact = small;
}

function me(live) {
  return person(live.state, live.me.person);
}

function voteKey(live, poll) {
  return `phienhop:${live.session}:${live.me.person}:vote:${poll}`;
}

/** Once a poll is closed its result is the record: no device keeps a choice for it. */
function forgetClosed(live) {
  for (const poll of Object.values(live.state.polls)) {
    if (poll.status === "closed") {
      try { localStorage.removeItem(voteKey(live, poll.id)); } catch { /* storage disabled */ }
    }
  }
}

function stored(live, poll) {
  try { return JSON.parse(localStorage.getItem(voteKey(live, poll)) || "null"); } catch { return null; }
}

function store(live, poll, value) {
  try { localStorage.setItem(voteKey(live, poll), JSON.stringify(value)); } catch { /* storage disabled */ }
}

/** What this member chose in `poll`, and its receipt: from the log (named) or this device. */
function myVote(live, poll) {
  const local = stored(live, poll.id);
  const voted = poll.voters.includes(live.me.person);
  const choice = poll.choices[live.me.person] || local?.choice || null;
  return { voted, choice, receipt: local?.receipt || null, unsent: !!local && !local.receipt && !voted };
}

function myVoteView(live, poll) {
  const mine = myVote(live, poll);
  if (!mine.voted) return null;
  return h("div", { class: "my-vote", id: "my-vote" },
    h("p", { class: "big" }, mine.choice ? t("vote.done", { choice: t(`choice.${mine.choice}`) }) : t("vote.done.secret")),
    mine.receipt ? h("p", { class: "receipt" }, t("vote.receipt", { receipt: mine.receipt })) : null);
}

export function renderVote(live) {
  const s = live.state;
  const poll = currentPoll(s);
  const self = me(live);
  el.vote.closest("section").hidden = !poll;
  forgetClosed(live);
  if (!poll) return replace(el.vote);
  if (poll.status === "closed") {
    const mine = myVoteView(live, poll);
    return replace(el.vote, compact ? null : pollResult(s, poll), self.voting ? mine || h("p", { class: "muted" }, t("vote.missed")) : null);
  }
  const head = compact ? [ballotLabel(s, poll)] : [h("p", { class: "poll-title big" }, h("span", { class: "tag tag-open" }, t("poll.is_open")), " ",
    s.agenda.items.find((i) => i.id === poll.item)?.title), ballotLabel(s, poll), pollSpec(poll), draftLink(live, poll.item)];
  const progress = compact ? null : pollProgress(s, poll);
  if (!self.voting) return replace(el.vote, head, h("p", {}, t("vote.no_right")), progress);
  const mine = myVote(live, poll);
  if (mine.voted) return replace(el.vote, head, myVoteView(live, poll), progress);
  if (sending.has(poll.id)) return replace(el.vote, head, h("p", { class: "big", "aria-busy": "true" }, t("vote.sending")), progress);
  if (mine.unsent) {
    return replace(el.vote, head,
      h("button", { type: "button", class: "btn btn-wide", "data-key": "vote-retry",
        onclick: () => sendVote(live, poll.id, mine.choice) }, `${t("vote.retry")}: ${t(`choice.${mine.choice}`)}`),
      progress);
  }
  if (!isPresent(s, self.id)) {
    return replace(el.vote, head, h("p", { class: "big" }, t("vote.need_checkin")),
      h("a", { href: checkinHref, class: "btn btn-quiet" }, t("attendance.checkin")), progress);
  }
  if (confirming && confirming.poll === poll.id) {
    const choice = confirming.choice;
    return replace(el.vote, head,
      h("p", { class: "big" }, t("vote.confirm", { choice: t(`choice.${choice}`) })),
      h("p", { class: "muted" }, t("vote.final")),
      h("div", { class: "stack" },
        h("button", { type: "button", class: "btn btn-wide", "data-key": "vote-send", onclick: () => sendVote(live, poll.id, choice) }, t("vote.send")),
        h("button", { type: "button", class: "btn btn-quiet btn-wide", "data-key": "vote-cancel",
          onclick: () => { confirming = null; renderVote(live); el.vote.querySelector('[data-key="vote-yes"]')?.focus(); } }, t("cancel"))),
      progress);
  }
  replace(el.vote, head,
    h("div", { class: "stack choices" }, CHOICES.map((c) => h("button", {
      type: "button", class: `btn btn-wide btn-choice choice-${c}`, "data-key": `vote-${c}`,
      onclick: () => { confirming = { poll: poll.id, choice: c }; renderVote(live); el.vote.querySelector('[data-key="vote-send"]')?.focus(); },
    }, t(`choice.${c}`)))),
    progress);
}

async function sendVote(live, pollId, choice) {
  if (sending.has(pollId)) return;
  confirming = null;
  sending.add(pollId);
  store(live, pollId, { choice, receipt: null });
  renderVote(live);
  try {
    const answer = await command(live, { type: "vote.cast", poll: pollId, choice });
    store(live, pollId, { choice, receipt: answer.receipt || null });
  } catch (err) {
    if (!err.network) {
      try { localStorage.removeItem(voteKey(live, pollId)); } catch { /* storage disabled */ }
    }
    showError(err.text(), { network: err.network });
  } finally {
    sending.delete(pollId);
    renderVote(live);
    document.getElementById("vote-h")?.focus();
  }
}

/** After a reconnect: a vote that was sent but never answered is sent again. */
export function onStatus(live) {
  if (live.status !== "live") return;
  const poll = currentPoll(live.state);
  if (!poll || poll.status !== "open") return;
  const local = stored(live, poll.id);
  if (local && !local.receipt && local.choice) sendVote(live, poll.id, local.choice);
}

