// Voting, shared by the member's page and the chair's (the chair is a voting member too).
//
// The own vote survives a reload or a lost connection: for a named ballot the log's
// vote.cast has the choice; for a secret one only this device knows it, so the choice and
// receipt are kept in localStorage per session, person and poll (a device may be shared) until
// the poll closes. A vote whose answer never came is sent again (the server recognises a
// retry and answers with the same receipt).
//
// A page casts more than its own vote when a member gave its holder a proxy ("for": that
// member), and a deputy's page casts the vote of the member it stands for where the agenda's
// deputies_vote allows: one ballot per member, each with its own receipt.

import { t } from "./i18n.js";
import { currentPoll, isPresent, person, representedBy } from "./state.js";
import { command, h, itemTitle, replace, showError } from "./ui.js";
import { CHOICES, ballotLabel, draftLink, pollProgress, pollResult, pollSpec } from "./views.js";

const el = {};
let confirming = null; // {poll, member, choice} while the voter confirms
const sending = new Set(); // "poll:member" with a vote in flight
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

/** Whose votes this page casts: its own, those of members who gave it a proxy, or (a deputy,
 * where deputies_vote allows) the member it stands for. */
export function ballots(live) {
  const s = live.state;
  const self = me(live);
  if (!self) return [];
  if (self.deputy_for) return s.agenda.session.deputies_vote ? [self.deputy_for] : [];
  return [...(self.voting ? [self.id] : []), ...representedBy(s, self.id)];
}

function voteKey(live, poll, member = live.me.person) {
  const base = `phienhop:${live.session}:${live.me.person}:vote:${poll}`;
  return member === live.me.person ? base : `${base}:for:${member}`;
}

/** Once a poll is closed its result is the record: no device keeps a choice for it. The receipt stays (without
 *  the choice) so the member can still read it and check it against the published receipts after the close. */
function forgetClosed(live) {
  for (const poll of Object.values(live.state.polls)) {
    if (poll.status === "closed") {
      for (const member of [live.me.person, ...ballots(live)]) {
        const local = stored(live, poll.id, member);
        if (!local || (!local.choice && local.receipt)) continue;
        try {
          if (local.receipt) localStorage.setItem(voteKey(live, poll.id, member), JSON.stringify({ choice: null, receipt: local.receipt }));
          else localStorage.removeItem(voteKey(live, poll.id, member));
        } catch { /* storage disabled */ }
      }
    }
  }
}

function stored(live, poll, member) {
  try { return JSON.parse(localStorage.getItem(voteKey(live, poll, member)) || "null"); } catch { return null; }
}

function store(live, poll, member, value) {
  try { localStorage.setItem(voteKey(live, poll, member), JSON.stringify(value)); } catch { /* storage disabled */ }
}

/** What was chosen for `member` in `poll`, and its receipt: from the log (named) or this device. */
function myVote(live, poll, member) {
  const local = stored(live, poll.id, member);
  const voted = poll.voters.includes(member);
  const choice = poll.choices[member] || local?.choice || null;
  return { voted, choice, receipt: local?.receipt || null, unsent: !!local && !local.receipt && !voted };
}

function myVoteView(live, poll, member, suffix = "") {
  const mine = myVote(live, poll, member);
  if (!mine.voted) return null;
  return h("div", { class: "my-vote", id: (member === live.me.person ? "my-vote" : `vote-for-${member}`) + suffix },
    h("p", { class: "big" }, mine.choice ? t("vote.done", { choice: t(`choice.${mine.choice}`) }) : t("vote.done.secret")),
    mine.receipt ? h("p", { class: "receipt" }, t("vote.receipt", { receipt: mine.receipt })) : null);
}

/** The heading of a ballot cast for someone else: "for X (proxy)" or "(deputy)". */
function forWhom(live, member) {
  if (member === live.me.person) return null;
  const kind = me(live)?.deputy_for ? "vote.for.deputy" : "vote.for.proxy";
  return h("h3", { class: "vote-for", "data-for": member }, t(kind, { name: person(live.state, member)?.name || member }));
}

function ballotView(live, poll, member) {
  const s = live.state;
  const own = member === live.me.person;
  const key = `${poll.id}:${member}`;
  const data = (c) => (own ? `vote-${c}` : `vote-${c}-${member}`);
  const mine = myVote(live, poll, member);
  if (mine.voted) return myVoteView(live, poll, member);
  if (poll.spec.ballot === "hands") return h("p", { class: "big" }, t("vote.hands"));
  if (sending.has(key)) return h("p", { class: "big", "aria-busy": "true" }, t("vote.sending"));
  if (mine.unsent) {
    return h("button", { type: "button", class: "btn btn-wide", "data-key": data("retry"),
      onclick: () => sendVote(live, poll.id, member, mine.choice) }, `${t("vote.retry")}: ${t(`choice.${mine.choice}`)}`);
  }
  if (!isPresent(s, live.me.person)) {
    return [h("p", { class: "big" }, t("vote.need_checkin")), h("a", { href: checkinHref, class: "btn btn-quiet" }, t("attendance.checkin"))];
  }
  const proxy = s.proxies?.[member];
  if (own && proxy) return h("p", { class: "big" }, t("vote.proxy_given", { name: person(s, proxy.to)?.name || proxy.to }));
  if (confirming && confirming.poll === poll.id && confirming.member === member) {
    const choice = confirming.choice;
    return [
      h("p", { class: "big" }, t("vote.confirm", { choice: t(`choice.${choice}`) })),
      h("p", { class: "muted" }, t("vote.final")),
      h("div", { class: "stack" },
        h("button", { type: "button", class: "btn btn-wide", "data-key": data("send"), onclick: () => sendVote(live, poll.id, member, choice) }, t("vote.send")),
        h("button", { type: "button", class: "btn btn-quiet btn-wide", "data-key": data("cancel"),
          onclick: () => { confirming = null; renderVote(live); el.vote.querySelector(`[data-key="${data("yes")}"]`)?.focus(); } }, t("cancel")))];
  }
  return h("div", { class: "stack choices" }, CHOICES.map((c) => h("button", {
    type: "button", class: `btn btn-wide btn-choice choice-${c}`, "data-key": data(c),
    onclick: () => { confirming = { poll: poll.id, member, choice: c }; renderVote(live); el.vote.querySelector(`[data-key="${data("send")}"]`)?.focus(); },
  }, t(`choice.${c}`))));
}

export function renderVote(live) {
  const s = live.state;
  const poll = currentPoll(s);
  const self = me(live);
  el.vote.closest("section").hidden = !poll;
  forgetClosed(live);
  if (!poll) return replace(el.vote);
  const members = ballots(live);
  if (poll.status === "closed") {
    const mine = members.map((m) => [forWhom(live, m), myVoteView(live, poll, m) || h("p", { class: "muted" }, t("vote.missed"))]);
    return replace(el.vote, compact ? null : pollResult(s, poll), mine);
  }
  const head = compact ? [ballotLabel(s, poll)] : [h("p", { class: "poll-title big" }, h("span", { class: "tag tag-open" }, t("poll.is_open")), " ",
    itemTitle(s, poll.item)), ballotLabel(s, poll), pollSpec(poll), draftLink(live, poll.item)];
  const progress = compact ? null : pollProgress(s, poll);
  if (!members.length) {
    return replace(el.vote, head, h("p", {}, t(self?.deputy_for ? "vote.deputy_no_right" : "vote.no_right")), progress);
  }
  replace(el.vote, head,
    members.map((m) => h("div", { class: "ballot", "data-member": m }, forWhom(live, m), ballotView(live, poll, m))), progress);
}

async function sendVote(live, pollId, member, choice) {
  const key = `${pollId}:${member}`;
  if (sending.has(key)) return;
  confirming = null;
  sending.add(key);
  store(live, pollId, member, { choice, receipt: null });
  renderVote(live);
  const body = { type: "vote.cast", poll: pollId, choice };
  if (member !== live.me.person && !me(live)?.deputy_for) body.for = member;
  try {
    const answer = await command(live, body);
    store(live, pollId, member, { choice, receipt: answer.receipt || null });
  } catch (err) {
    if (!err.network) {
      try { localStorage.removeItem(voteKey(live, pollId, member)); } catch { /* storage disabled */ }
    }
    showError(err.text(), { network: err.network });
  } finally {
    sending.delete(key);
    renderVote(live);
    document.getElementById("vote-h")?.focus();
  }
}

/** After a reconnect: a vote that was sent but never answered is sent again. */
export function onStatus(live) {
  if (live.status !== "live") return;
  const poll = currentPoll(live.state);
  if (!poll || poll.status !== "open") return;
  for (const member of ballots(live)) {
    const local = stored(live, poll.id, member);
    if (local && !local.receipt && local.choice) sendVote(live, poll.id, member, local.choice);
  }
}

/** Every closed poll in the order held, each with its result and this page's own ballots (choice where the log
 *  has it, the receipt this device keeps): what a member checks after the poll, the item or the session closed. */
export function resultsView(live) {
  const s = live.state;
  const polls = Object.values(s.polls).filter((p) => p.status === "closed")
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  if (!polls.length) return null;
  forgetClosed(live);
  const members = ballots(live);
  return h("ul", { class: "results stack" }, polls.map((poll) => h("li", { "data-poll": poll.id },
    pollResult(s, poll),
    members.map((m) => [forWhom(live, m), myVoteView(live, poll, m, `-${poll.id}`) || h("p", { class: "muted" }, t("vote.missed"))]))));
}
