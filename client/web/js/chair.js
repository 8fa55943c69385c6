// The chair's console: session, agenda and countdown, speakers, votes, attendance, conclusions.

import { ordinal, t } from "./i18n.js";
import { entitled, itemsInOrder, latestPoll, person, queueOf, requestsOf, unmarked } from "./state.js";
import { act, boot, clock, h, labelledCountdown, pointName, replace, requestLabel } from "./ui.js";
import { attendanceList } from "./attendance.js";
import { CHOICES, currentItemView, itemStatusTag, draftLink, floorView, pollView } from "./views.js";
import { onStatus, renderVote, voteBox } from "./vote.js";

const el = {};
let confirmClose = false;
let confirmPollClose = null; // the poll id while the chair confirms its close
const handsDraft = {}; // poll id -> the show of hands being typed

function section(id, key, ...children) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h`, "data-i18n": key, tabindex: "-1" }, t(key)), ...children);
}

/** The agenda list, in the planned order as it stands; rebuilt when items are added or moved. */
function buildItems(live) {
  const s = live.state;
  el.items = new Map();
  el.order = (s.order || []).join(",");
  const list = el.list;
  list.replaceChildren();
  itemsInOrder(s).forEach((item, i) => {
    const parts = { meta: h("div", { class: "row" }), actions: h("div", { class: "row" }), conclusions: h("ul", { class: "conclusions" }) };
    const text = h("textarea", { id: `concl-${item.id}`, "data-key": `concl-${item.id}`, maxlength: 20000, rows: 2 });
    const save = h("button", { type: "button", class: "btn btn-quiet btn-small", "data-i18n": "conclusion.add" }, t("conclusion.add"));
    save.addEventListener("click", async () => {
      const value = text.value.trim();
      if (!value) return text.focus();
      if (await act(live, { type: "conclusion.record", item: item.id, text: value }, save)) text.value = "";
    });
    parts.li = h("li", { "data-item": item.id },
      // The item's buttons always on their own line under the title: beside a short title and under a long one
      // they jumped about from item to item.
      h("div", { class: "item-head item-head-stacked" },
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
}

function build(live) {
  const s = live.state;
  el.session = h("div");
  const list = el.list = h("ol", { class: "items" });
  buildItems(live);
  el.addItem = addItemForm(live);
  el.deputies = h("div");
  el.deputyForms = deputyForms(live);

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
    h("div", { class: "col stack" }, section("session", "session", el.session), section("agenda", "agenda", list, el.addItem)),
    h("div", { class: "col stack" }, section("now", "item.active", el.now),
      section("poll", "poll", el.poll), section("my-vote-panel", "poll.my_vote", el.vote),
      section("speakers", "speakers", el.speakers, el.addSpeaker)),
    h("div", { class: "col stack" }, section("attendance", "attendance", el.attendance, el.attendanceList),
      section("deputies", "deputies", el.deputies, el.deputyForms))));
}

/** The form that adds an item during the session (placed last; the arrows move it). */
function addItemForm(live) {
  const s = live.state;
  const title = h("input", { type: "text", id: "add-item-title", "data-key": "add-item-title", maxlength: 2000 });
  const presenter = h("select", { id: "add-item-presenter" }, h("option", { value: "" }, "—"),
    s.agenda.people.map((p) => h("option", { value: p.id }, p.name)));
  const minutes = h("input", { id: "add-item-duration", type: "number", min: 1, max: 1440, value: 10 });
  const ballot = h("select", { id: "add-item-ballot" }, ["", "named", "secret", "hands"].map((b) =>
    h("option", { value: b, "data-i18n": b ? `ballot.${b}` : "ballot.none" }, t(b ? `ballot.${b}` : "ballot.none"))));
  const add = h("button", { type: "button", class: "btn btn-quiet", "data-key": "add-item", "data-i18n": "agenda.add" }, t("agenda.add"));
  add.addEventListener("click", async () => {
    const text = title.value.trim();
    if (!text) return title.focus();
    const st = live.state;
    let n = Object.keys(st.added_items || {}).length + 1;
    while (st.items[`bo-sung-${n}`]) n += 1;
    const item = { id: `bo-sung-${n}`, title: text, duration_min: Number(minutes.value) || 10 };
    if (presenter.value) item.presenter = presenter.value;
    if (ballot.value) item.poll = { ballot: ballot.value, rule: "simple" };
    if (await act(live, { type: "item.add", item }, add)) title.value = "";
  });
  return h("details", { class: "add-item", "data-key": "add-item-form" }, h("summary", { "data-i18n": "agenda.add" }, t("agenda.add")),
    h("div", { class: "stack" },
      h("label", { for: "add-item-title", "data-i18n": "agenda.add.title" }, t("agenda.add.title")), title,
      h("label", { for: "add-item-presenter", "data-i18n": "agenda.add.presenter" }, t("agenda.add.presenter")), presenter,
      h("label", { for: "add-item-duration", "data-i18n": "agenda.add.duration" }, t("agenda.add.duration")), minutes,
      h("label", { for: "add-item-ballot", "data-i18n": "agenda.add.ballot" }, t("agenda.add.ballot")), ballot,
      h("div", { class: "row" }, add)));
}

/** Send a deputy for an absent member (the answer carries the deputy's link, shown once); give a proxy. */
function deputyForms(live) {
  const s = live.state;
  const voters = s.agenda.people.filter((p) => p.voting);
  const member = h("select", { id: "deputy-member" }, s.agenda.people.map((p) => h("option", { value: p.id }, p.name)));
  const name = h("input", { type: "text", id: "deputy-name", maxlength: 2000 });
  const position = h("input", { type: "text", id: "deputy-position", maxlength: 500 });
  el.deputyLink = h("div", { id: "deputy-link" });
  const assign = h("button", { type: "button", class: "btn btn-quiet", "data-key": "deputy-assign", "data-i18n": "deputy.assign" }, t("deputy.assign"));
  assign.addEventListener("click", async () => {
    const who = name.value.trim();
    if (!who) return name.focus();
    const answer = await act(live, { type: "deputy.assign", person: member.value, name: who, position: position.value.trim() }, assign);
    if (answer && answer.link) {
      replace(el.deputyLink, h("p", {}, t("deputy.link", { name: who })),
        h("input", { type: "text", readonly: true, value: answer.link, class: "link", "data-key": "deputy-link-value",
          "aria-label": t("deputy.link", { name: who }) }));
      name.value = "";
      position.value = "";
    }
  });
  const from = h("select", { id: "proxy-from" }, voters.map((p) => h("option", { value: p.id }, p.name)));
  const to = h("select", { id: "proxy-to" }, voters.map((p) => h("option", { value: p.id }, p.name)));
  const grant = h("button", { type: "button", class: "btn btn-quiet", "data-key": "proxy-grant", "data-i18n": "proxy.grant" }, t("proxy.grant"));
  grant.addEventListener("click", () => act(live, { type: "proxy.grant", from: from.value, to: to.value }, grant));
  return h("div", { class: "stack" },
    h("details", { "data-key": "deputy-form" }, h("summary", { "data-i18n": "deputy.assign" }, t("deputy.assign")),
      h("div", { class: "stack" },
        h("label", { for: "deputy-member", "data-i18n": "deputy.member" }, t("deputy.member")), member,
        h("label", { for: "deputy-name", "data-i18n": "deputy.name" }, t("deputy.name")), name,
        h("label", { for: "deputy-position", "data-i18n": "deputy.position" }, t("deputy.position")), position,
        h("div", { class: "row" }, assign), el.deputyLink)),
    h("details", { "data-key": "proxy-form" }, h("summary", { "data-i18n": "proxy.grant" }, t("proxy.grant")),
      h("div", { class: "stack" },
        h("label", { for: "proxy-from", "data-i18n": "proxy.from" }, t("proxy.from")), from,
        h("label", { for: "proxy-to", "data-i18n": "proxy.to" }, t("proxy.to")), to,
        h("div", { class: "row" }, grant))));
}

function renderDeputies(live) {
  const s = live.state;
  el.deputyForms.hidden = s.status === "closed";
  const deputies = Object.values(s.deputies || {});
  const proxies = Object.values(s.proxies || {});
  replace(el.deputies,
    deputies.length ? h("ul", { class: "people", id: "deputy-list" }, deputies.map((d) => h("li", { "data-deputy": d.id },
      h("span", { class: "who" }, t("deputy.list", { name: d.name, member: person(s, d.person)?.name || d.person }))))) : null,
    proxies.length ? h("ul", { class: "people", id: "proxy-list" }, proxies.map((p) => h("li", { "data-proxy": p.from },
      h("span", { class: "who" }, t("proxy.line", { from: person(s, p.from)?.name, to: person(s, p.to)?.name })),
      s.status === "closed" ? null : h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `revoke-${p.from}`,
        onclick: (e) => act(live, { type: "proxy.revoke", from: p.from, to: p.to }, e.currentTarget) }, t("proxy.revoke"))))) : null);
}

function isHost(state, pointId) {
  return state.agenda.points.find((p) => p.id === pointId)?.host;
}

function render(live) {
  const s = live.state;
  renderSession(live);
  if ((s.order || []).join(",") !== el.order) buildItems(live);
  for (const item of itemsInOrder(s)) renderItem(live, item);
  el.addItem.hidden = s.status === "closed";
  renderDeputies(live);
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
    // The server refuses a close while an item runs or a vote is open: say so on the button instead.
    const openPoll = Object.values(s.polls).some((p) => p.status === "open");
    const why = openPoll ? t("refusal.poll.open") : s.active_item ? t("refusal.item.active") : "";
    controls.push(h("button", { type: "button", class: "btn btn-danger", "data-key": "close", disabled: !!why,
      "aria-describedby": why ? "close-why" : null, onclick: () => {
        confirmClose = true;
        renderSession(live);
        el.session.querySelector('[data-key="close-no"]').focus();
      } }, t("session.close")),
    why ? h("p", { class: "reason-why", id: "close-why" }, why.charAt(0).toUpperCase() + why.slice(1)) : null);
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
    itemStatusTag(s, st),
    st.added ? h("span", { class: "tag" }, t("item.added")) : null,
    st.status === "deferred" ? h("span", { class: "muted deferral" }, t("item.deferred.reason", { reason: st.reason })) : null,
    h("span", { class: "muted" }, t("item.minutes", { n: item.duration_min })),
    times ? h("span", { class: "muted" }, times) : null,
    st.status === "active" && st.ends_at ? labelledCountdown(st.ends_at) : null,
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
  if (s.status !== "closed" && st.status === "pending") { // agenda changes: only items not yet started
    const order = s.order || [];
    const at = order.indexOf(item.id);
    const move = (after, key, label) => h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `${key}-${item.id}`,
      "aria-label": `${label}: ${item.title}`, onclick: (e) => act(live, { type: "item.move", item: item.id, after }, e.currentTarget) }, label);
    if (at > 0) actions.push(move(null, "first", t("item.move.first")));
    if (at > 1) actions.push(move(order[at - 2], "up", t("item.move.up")));
    if (at >= 0 && at < order.length - 1) actions.push(move(order[at + 1], "down", t("item.move.down")));
    actions.push(h("button", { type: "button", class: "btn btn-small btn-quiet", "data-key": `defer-${item.id}`,
      onclick: () => { parts.deferring = !parts.deferring; renderItem(live, item); } }, t("item.defer")));
  }
  if (parts.deferring && st.status === "pending") {
    const reason = h("input", { type: "text", "data-key": `defer-reason-${item.id}`, maxlength: 500, "aria-label": t("item.defer.reason"),
      placeholder: t("item.defer.reason") });
    const ok = h("button", { type: "button", class: "btn btn-small btn-danger", "data-key": `defer-ok-${item.id}` }, t("confirm"));
    ok.addEventListener("click", async () => {
      if (!reason.value.trim()) return reason.focus();
      if (await act(live, { type: "item.defer", item: item.id, reason: reason.value.trim() }, ok)) parts.deferring = false;
    });
    actions.push(reason, ok);
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
  const active = s.active_item ? itemsInOrder(s).find((i) => i.id === s.active_item) : null;
  const controls = [];
  if (poll && poll.status === "open") {
    const of = Math.max(entitled(s, poll).length, poll.voters.length);
    const left = of - poll.voters.length;
    controls.push(h("p", { class: "muted" }, t("poll.quorum", { present: poll.present_at_open, members: poll.members, needed: poll.needed })));
    const present = entitled(s, null).length; // here now (in person, by a voting deputy, or represented)
    if (poll.spec.rule !== "consultative" && present < poll.needed) {
      controls.unshift(h("p", { class: "warning quorum-drop", role: "alert", id: "quorum-drop" },
        t("quorum.drop", { present, needed: poll.needed })));
    }
    if (poll.spec.ballot === "hands") {
      // What the chair has typed survives the re-renders that live events cause.
      const draft = handsDraft[poll.id] || (handsDraft[poll.id] = { ...(poll.hands || { yes: 0, no: 0, abstain: 0 }) });
      const inputs = CHOICES.map((c) => h("input", { type: "number", min: 0, max: present, value: draft[c] ?? 0,
        id: `hands-${c}`, "data-key": `hands-${c}`, class: "hands", oninput: (e) => { draft[c] = e.currentTarget.value; } }));
      const record = h("button", { type: "button", class: "btn", "data-key": "hands-record" }, t("hands.record"));
      record.addEventListener("click", async () => {
        const counts = Object.fromEntries(CHOICES.map((c, i) => [c, Number(inputs[i].value) || 0]));
        if (await act(live, { type: "poll.record_hands", poll: poll.id, counts }, record)) {
          await act(live, { type: "poll.close", poll: poll.id }, record);
        }
      });
      controls.push(h("div", { class: "stack hands-form" }, h("p", {}, t("hands.present", { n: present })),
        CHOICES.map((c, i) => h("label", { for: `hands-${c}`, class: "row" }, t(`choice.${c}`), inputs[i])), record));
      return replace(el.poll, pollView(s, poll, { roll: true }), h("div", { class: "stack" }, controls));
    }
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
  const queued = queueOf(s, s.active_item); // points of order first
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
        h("span", { class: "who" }, requestLabel(s, r), " ",
          r.point_of_order ? h("span", { class: "tag tag-order" }, t("speak.point_of_order")) : null, " ",
          h("span", { class: "muted" }, clock(r.requested_at))),
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
  const points = s.agenda.points; // every connection point, the host's too: 85 in the reference session, as the CLI counts
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
    // Closed: presence is no longer followed (server/domain/session.py), so no count of connected points is shown.
    s.status === "closed" ? h("p", { class: "muted", id: "points-closed" }, t("points.closed"))
    : [h("h3", {}, t("points.online", { n: points.filter((p) => online.has(p.id)).length, of: points.length })),
    points.length <= 12
      ? h("ul", { class: "chips" }, points.map(chip))
      : [h("ul", { class: "chips" }, points.filter((p) => online.has(p.id)).map(chip)),
        h("details", { "data-key": "points-offline" }, h("summary", {}, t("points.online.no"), ` (${offline.length})`),
          h("ul", { class: "chips" }, offline.map(chip)))]],
    h("h3", {}, t("attendance.people")));
  el.renderList(live);
}

boot({ build, render, onStatus });
