// The member's page, phone first: check in, ask for the floor, vote (with the receipt).
//
// The own vote survives a reload or a lost connection: for a named ballot the log's
// vote.cast has the choice; for a secret one only this device knows it, so the choice and
// receipt are kept in localStorage per session, person and poll (a device may be shared) until
// the poll closes. A vote whose answer never came is sent again (the server recognises a
// retry and answers with the same receipt).

import { t } from "./i18n.js";
import { currentPoll, isPresent, person, point, requestsOf } from "./state.js";
import { act, boot, command, h, replace, showError } from "./ui.js";
import { CHOICES, currentItemView, floorView, pollProgress, pollResult, pollSpec } from "./views.js";

const el = {};
let confirming = null; // {poll, choice} while the member confirms
const sending = new Set(); // polls with a vote in flight

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

function panel(id, key, body) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h`, "data-i18n": key, tabindex: "-1" }, t(key)), body);
}

function build() {
  el.checkin = h("div");
  el.now = h("div");
  el.speak = h("div");
  el.vote = h("div");
  document.getElementById("main").append(h("div", { class: "member stack" },
    panel("vote", "poll", el.vote),
    panel("checkin", "attendance", el.checkin),
    panel("now", "item.active", el.now),
    panel("speak", "speakers", el.speak)));
}

function render(live) {
  forgetClosed(live);
  renderVote(live);
  renderCheckin(live);
  replace(el.now, currentItemView(live.state, { headingLevel: "h3" }), floorView(live.state));
  renderSpeak(live);
}

function renderCheckin(live) {
  const s = live.state;
  const self = me(live);
  const mark = s.attendance[self.id];
  const status = mark?.status || "unmarked";
  const where = status === "online" ? t("attendance.online_at", { point: point(s, mark.point)?.name || mark.point }) : t(`attendance.${status}`);
  const home = point(s, self.point);
  const open = s.status !== "closed";
  const button = (target, text) => h("button", {
    type: "button", class: "btn btn-wide", "data-key": `checkin-${target}`, "aria-pressed": String(status === target),
    onclick: (e) => act(live, { type: "attendance.mark", person: self.id, status: target }, e.currentTarget),
  }, text);
  replace(el.checkin,
    h("p", { class: "big", id: "my-status" }, t("attendance.you", { status: where })),
    open ? h("div", { class: "stack" },
      button("present", t("attendance.present")),
      home && !home.host ? button("online", t("attendance.online_at", { point: home.name })) : null) : null);
}

function renderSpeak(live) {
  const s = live.state;
  if (s.status !== "open" || !s.active_item) return replace(el.speak, h("p", { class: "muted" }, t("speak.need_item")));
  const requests = requestsOf(s, s.active_item);
  const queue = requests.filter((r) => r.status === "queued");
  const mine = requests.find((r) => r.person === live.me.person && (r.status === "queued" || r.status === "speaking"));
  if (mine && mine.status === "speaking") return replace(el.speak, h("p", { class: "big" }, t("speak.speaking")));
  if (mine) {
    return replace(el.speak,
      h("p", { class: "big" }, t("speak.queued", { n: queue.indexOf(mine) + 1 })),
      h("button", { type: "button", class: "btn btn-quiet btn-wide", "data-key": "withdraw",
        onclick: (e) => act(live, { type: "speaker.withdraw", request: mine.id }, e.currentTarget) }, t("speak.withdraw")));
  }
  replace(el.speak, h("button", { type: "button", class: "btn btn-wide", "data-key": "ask",
    onclick: (e) => act(live, { type: "speaker.request", item: s.active_item }, e.currentTarget) }, t("speak.ask")));
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

function renderVote(live) {
  const s = live.state;
  const poll = currentPoll(s);
  const self = me(live);
  el.vote.closest("section").hidden = !poll;
  if (!poll) return replace(el.vote);
  if (poll.status === "closed") {
    const mine = myVoteView(live, poll);
    return replace(el.vote, pollResult(s, poll), self.voting ? mine || h("p", { class: "muted" }, t("vote.missed")) : null);
  }
  const head = [h("p", { class: "poll-title big" }, h("span", { class: "tag tag-open" }, t("poll.is_open")), " ",
    s.agenda.items.find((i) => i.id === poll.item)?.title), pollSpec(poll)];
  const progress = pollProgress(s, poll);
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
      h("a", { href: "#checkin", class: "btn btn-quiet" }, t("attendance.checkin")), progress);
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
    showError(err.network ? err.message : t("error.prefix", { detail: err.message }));
  } finally {
    sending.delete(pollId);
    renderVote(live);
    document.getElementById("vote-h")?.focus();
  }
}

/** After a reconnect: a vote that was sent but never answered is sent again. */
function onStatus(live) {
  if (live.status !== "live") return;
  const poll = currentPoll(live.state);
  if (!poll || poll.status !== "open") return;
  const local = stored(live, poll.id);
  if (local && !local.receipt && local.choice) sendVote(live, poll.id, local.choice);
}

boot({
  build,
  render,
  onStatus,
  heading: (live) => me(live)?.name || live.me.person,
  subheading: (live) => {
    const self = me(live);
    return [self?.position, point(live.state, self?.point)?.name].filter(Boolean).join(" · ") || t("role.person");
  },
});
