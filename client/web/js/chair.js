// The chair's console: session, agenda and countdown, speakers, votes, attendance, conclusions.

import { ordinal, t } from "./i18n.js";
import { entitled, latestPoll, requestsOf, unmarked } from "./state.js";
import { act, boot, clock, countdown, h, pointName, replace, requestLabel } from "./ui.js";
import { attendanceList } from "./attendance.js";
import { currentItemView, draftLink, floorView, pollView } from "./views.js";
import { onStatus, renderVote, voteBox } from "./vote.js";

const el = {};
let confirmClose = false;
let confirmPollClose = null; // the poll id while the chair confirms its close

function section(id, key, ...children) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h`, "data-i18n": key, tabindex: "-1" }, t(key)), ...children);
}

function build(live) {
  const s = live.state;
  el.session = h("div");
  el.items = new Map();
  const list = h("ol", { class: "items" });
  s.agenda.items.forEach((item, i) => {
    const parts = { meta: h("div", { class: "row" }), actions: h("div", { class: "row" }), conclusions: h("ul", { class: "conclusions" }) };
    const text = h("textarea", { id: `concl-${item.id}`, "data-key": `concl-${item.id}`, maxlength: 20000, rows: 2 });
    const save = h("button", { type: "button", class: "btn btn-quiet btn-small", "data-i18n": "conclusion.add" }, t("conclusion.add"));
    save.addEventListener("click", async () => {
      const value = text.value.trim();
      if (!value) return text.focus();
      if (await act(live, { type: "conclusion.record", item: item.id, text: value }, save)) text.value = "";
    });
    parts.li = h("li", { "data-item": item.id },
      h("div", { class: "item-head" },
        h("p", { class: "item-title" }, h("span", { class: "item-no" }, `${i + 1}.`), item.title),
        parts.actions),
      parts.meta,
      h("details", { class: "conclusion" },
        h("summary", { "data-i18n": "conclusion" }, t("conclusion")),
        parts.conclusions,
        parts.form = h("div", { class: "stack" },
          h("label", { for: `concl-${item.id}`, class: "sr-only", "data-i18n": "conclusion.placeholder" }, t("conclusion.placeholder")),
          text, h("div", { class: "row" }, save))));
    el.items.set(item.id, parts);
    list.append(parts.li);
  });

  el.now = h("div");
  el.poll = h("div");
  el.vote = h("div");
  voteBox(el.vote, { checkin: "#attendance", compact: true });
  el.speakers = h("div");
  el.attendance = h("div");
  el.attendanceList = h("div", { id: "chair-att" });
  el.renderList = attendanceList(el.attendanceList);

  // The "add a speaker" form is built once so its selection survives live updates.
  const who = h("select", { id: "add-speaker" },
    s.agenda.people.map((p) => h("option", { value: p.id }, p.point && !isHost(s, p.point) ? `${p.name} — ${pointName(s, p.point)}` : p.name)));
  const add = h("button", { type: "button", class: "btn btn-quiet", "data-i18n": "speakers.add" }, t("speakers.add"));
  add.addEventListener("click", () => act(live, { type: "speaker.request", item: live.state.active_item, person: who.value }, add));
  el.addSpeaker = h("div", { class: "add-speaker stack" },
    h("label", { for: "add-speaker", "data-i18n": "speakers.add.who" }, t("speakers.add.who")), who, add);

  document.getElementById("main").append(h("div", { class: "grid grid-3 console" },
    h("div", { class: "col stack" }, section("session", "session", el.session), section("agenda", "agenda", list)),
    h("div", { class: "col stack" }, section("now", "item.active", el.now),
      section("poll", "poll", el.poll), section("my-vote-panel", "poll.my_vote", el.vote),
      section("speakers", "speakers", el.speakers, el.addSpeaker)),
    h("div", { class: "col stack" }, section("attendance", "attendance", el.attendance, el.attendanceList))));
}

function isHost(state, pointId) {
  return state.agenda.points.find((p) => p.id === pointId)?.host;
}

function render(live) {
  const s = live.state;
  renderSession(live);
  for (const item of s.agenda.items) renderItem(live, item);
  replace(el.now, currentItemView(s, { headingLevel: "h3" }), draftLink(live, s.active_item), floorView(s));
  renderPoll(live);
  renderVote(live);
  renderSpeakers(live);
  renderAttendance(live);
}

function renderSession(live) {
  const s = live.state;
  const controls = [];
  if (s.status === "scheduled") {
    controls.push(h("button", { type: "button", class: "btn", "data-key": "open", onclick: (e) => act(live, { type: "session.open" }, e.currentTarget) }, t("session.open")));
  } else if (s.status === "open" && confirmClose) {
    const missing = unmarked(s); // the close records them absent, without a reason: say who first
    controls.push(h("p", { class: "big" }, t("session.close.confirm")),
      missing.length ? h("p", { id: "close-unmarked" },
        t("session.close.unmarked", { n: missing.length, names: missing.map((p) => p.name).join(", ") })) : null,
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn btn-danger", "data-key": "close-yes", onclick: async (e) => {
          await act(live, { type: "session.close" }, e.currentTarget);
          confirmClose = false;
          renderSession(live);
        } }, t("confirm")),
        h("button", { type: "button", class: "btn btn-quiet", "data-key": "close-no", onclick: () => { confirmClose = false; renderSession(live); } }, t("cancel"))));
  } else if (s.status === "open") {
    controls.push(h("button", { type: "button", class: "btn btn-danger", "data-key": "close", onclick: () => {
      confirmClose = true;
      renderSession(live);
      el.session.querySelector('[data-key="close-no"]').focus();
    } }, t("session.close")));
  }
  replace(el.session,
    h("p", { class: "row" }, h("span", { class: `tag tag-${s.status}`, id: "session-status" }, t(`status.${s.status}`)),
      s.opened_at ? h("span", { class: "muted" }, t("session.opened_at", { time: clock(s.opened_at) }) +
        (s.closed_at ? `, ${t("session.closed_at", { time: clock(s.closed_at) })}` : "")) : null,
      s.minutes_sha256 ? h("span", { class: "tag tag-done" }, t("announce.minutes.finalized")) : null),
    h("div", { class: "row" }, controls));
}

function renderItem(live, item) {
  const s = live.state;
  const parts = el.items.get(item.id);
  const st = s.items[item.id];
  parts.li.classList.toggle("is-active", st.status === "active");
  const times = st.started_at ? `${clock(st.started_at)}${st.ended_at ? ` – ${clock(st.ended_at)}` : ""}` : "";
  replace(parts.meta,
    h("span", { class: `tag tag-${st.status}` }, t(`item.${st.status}`)),
    h("span", { class: "muted" }, t("item.minutes", { n: item.duration_min })),
    times ? h("span", { class: "muted" }, times) : null,
    st.status === "active" && st.ends_at ? countdown(st.ends_at) : null,
    item.poll ? h("span", { class: "muted" }, t(`ballot.${item.poll.ballot}`)) : null);
  const actions = [];
  if (s.status === "open" && st.status === "pending" && !s.active_item) {
    actions.push(h("button", { type: "button", class: "btn btn-small", "data-key": `start-${item.id}`,
      onclick: (e) => act(live, { type: "item.start", item: item.id }, e.currentTarget) }, t("item.start")));
  }
  if (s.status === "open" && st.status === "active") {
    actions.push(h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `end-${item.id}`,
      onclick: (e) => act(live, { type: "item.end", item: item.id }, e.currentTarget) }, t("item.end")));
  }
  replace(parts.actions, actions);
  const texts = s.conclusions.filter((c) => c.item === item.id);
  parts.form.hidden = s.status === "scheduled" || !!s.minutes_sha256; // conclusion.record: open or closed, not final
  replace(parts.conclusions, texts.length
    ? texts.map((c) => h("li", { class: "conclusion-text" }, c.text))
    : h("li", { class: "muted" }, t("conclusion.none")));
  if (st.status === "active" && !parts.opened) { parts.li.querySelector("details").open = true; parts.opened = true; }
}

function quorumLine(s) {
  const members = s.agenda.people.filter((p) => p.voting).length;
  const present = entitled(s, null).length;
  const share = s.agenda.session.quorum.split("/").map(Number);
  const needed = Math.floor((members * share[0]) / share[1]) + 1;
  return { members, present, needed };
}

function renderPoll(live) {
  const s = live.state;
  const poll = latestPoll(s);
  const active = s.active_item ? s.agenda.items.find((i) => i.id === s.active_item) : null;
  const controls = [];
  if (poll && poll.status === "open") {
    const of = Math.max(entitled(s, poll).length, poll.voters.length);
    const left = of - poll.voters.length;
    controls.push(h("p", { class: "muted" }, t("poll.quorum", { present: poll.present_at_open, members: poll.members, needed: poll.needed })));
    if (confirmPollClose === poll.id) {
      controls.push(h("div", { class: "confirm stack", role: "group", "aria-labelledby": "poll-close-q" },
        h("p", { class: "big", id: "poll-close-q" }, left ? t("poll.close.confirm", { left, of }) : t("poll.close.confirm.all", { of })),
        h("div", { class: "row" },
          h("button", { type: "button", class: "btn btn-danger", "data-key": "poll-close-yes", onclick: async (e) => {
            await act(live, { type: "poll.close", poll: poll.id }, e.currentTarget);
            confirmPollClose = null;
            renderPoll(live);
          } }, t("poll.close")),
          h("button", { type: "button", class: "btn btn-quiet", "data-key": "poll-close-no", onclick: () => {
            confirmPollClose = null;
            renderPoll(live);
            el.poll.querySelector('[data-key="poll-close"]')?.focus();
          } }, t("cancel")))));
    } else {
      controls.push(h("button", { type: "button", class: "btn btn-danger", "data-key": "poll-close",
        onclick: () => { confirmPollClose = poll.id; renderPoll(live); el.poll.querySelector('[data-key="poll-close-no"]')?.focus(); } },
      t("poll.close")));
    }
  } else if (s.status === "open" && active && active.poll) {
    const q = quorumLine(s);
    const binding = active.poll.rule !== "consultative";
    const short = binding && q.present < q.needed;
    const n = Object.values(s.polls).filter((p) => p.item === active.id).length + 1;
    const label = n > 1 ? t("poll.repeat", { n, nth: ordinal(n) }) : `${t("poll.open")}: ${active.title}`;
    controls.push(
      h("p", { class: "muted" }, t("attendance.voting", q)),
      short ? h("p", { class: "reason-why", id: "poll-open-why" }, t("poll.open.need", { more: q.needed - q.present, ...q })) : null,
      h("button", { type: "button", class: "btn", "data-key": "poll-open", disabled: short,
        "aria-describedby": short ? "poll-open-why" : null,
        onclick: (e) => act(live, { type: "poll.open", item: active.id }, e.currentTarget) }, label),
      draftLink(live, active.id));
  }
  if (!poll || poll.status !== "open") confirmPollClose = null;
  replace(el.poll, pollView(s, poll, { roll: true }), h("div", { class: "stack" }, controls));
}

function renderSpeakers(live) {
  const s = live.state;
  el.addSpeaker.hidden = !(s.status === "open" && s.active_item);
  if (!s.active_item) return replace(el.speakers, h("p", { class: "muted" }, t("item.none")));
  const requests = requestsOf(s, s.active_item);
  const speaking = requests.find((r) => r.status === "speaking");
  const queued = requests.filter((r) => r.status === "queued");
  replace(el.speakers,
    h("h3", {}, t("floor")),
    speaking
      ? h("div", { class: "row spread speaking" }, h("p", { class: "big" }, requestLabel(s, speaking)),
        h("button", { type: "button", class: "btn btn-quiet", "data-key": `finish-${speaking.id}`,
          onclick: (e) => act(live, { type: "speaker.finish", request: speaking.id }, e.currentTarget) }, t("speakers.finish")))
      : h("p", { class: "muted" }, t("floor.none")),
    h("h3", {}, t("speakers.queue"), ` (${queued.length})`),
    queued.length
      ? h("ol", { class: "people queue" }, queued.map((r) => h("li", {},
        h("span", { class: "who" }, requestLabel(s, r), " ", h("span", { class: "muted" }, clock(r.requested_at))),
        h("span", { class: "row" },
          h("button", { type: "button", class: "btn btn-small", "data-key": `grant-${r.id}`, disabled: !!s.floor,
            onclick: (e) => act(live, { type: "speaker.grant", request: r.id }, e.currentTarget) }, t("speakers.grant")),
          h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `withdraw-${r.id}`,
            onclick: (e) => act(live, { type: "speaker.withdraw", request: r.id }, e.currentTarget) }, t("speakers.withdraw"))))))
      : h("p", { class: "muted" }, t("speakers.empty")));
}

function renderAttendance(live) {
  const s = live.state;
  const marks = s.agenda.people.map((p) => s.attendance[p.id]?.status || "unmarked");
  const count = (status) => marks.filter((m) => m === status).length;
  const online = new Set(s.online_points);
  const points = s.agenda.points.filter((p) => !p.host);
  const chip = (p) => h("li", { class: `chip${online.has(p.id) ? " on" : ""}` }, p.name,
    h("span", { class: "sr-only" }, `: ${t(online.has(p.id) ? "points.online.yes" : "points.online.no")}`));
  const offline = points.filter((p) => !online.has(p.id));
  replace(el.attendance,
    h("div", { class: "counts four" },
      h("div", { class: "count" }, h("b", {}, count("present")), t("attendance.hall")),
      h("div", { class: "count" }, h("b", {}, count("online")), t("attendance.online")),
      h("div", { class: "count" }, h("b", {}, count("absent")), t("attendance.absent")),
      h("div", { class: `count${count("unmarked") ? " count-unmarked" : ""}` }, h("b", {}, count("unmarked")), t("attendance.unmarked"))),
    h("p", { class: "quorum" }, t("attendance.voting", quorumLine(s))),
    h("h3", {}, t("points.online", { n: points.filter((p) => online.has(p.id)).length, of: points.length })),
    points.length <= 12
      ? h("ul", { class: "chips" }, points.map(chip))
      : [h("ul", { class: "chips" }, points.filter((p) => online.has(p.id)).map(chip)),
        h("details", { "data-key": "points-offline" }, h("summary", {}, t("points.online.no"), ` (${offline.length})`),
          h("ul", { class: "chips" }, offline.map(chip)))],
    h("h3", {}, t("attendance.people")));
  el.renderList(live);
}

boot({ build, render, onStatus });
