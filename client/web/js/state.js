// The session state in the browser: the server's snapshot, kept current by folding in events.
//
// Mirrors the apply rules of server/domain (session, items, attendance, speakers, polls,
// records, presence) for the fields the pages show. The shape is the snapshot's
// (GET /api/sessions/{id} -> state), so a fresh snapshot and a folded one look the same.

const APPLY = {
  "session.created": () => {},
  "session.opened": (s, e) => { s.status = "open"; s.opened_at = e.at; },
  "session.closed": (s, e) => {
    s.status = "closed";
    s.closed_at = e.at;
    // Presence is tracked only while the session runs (server/domain/session.py): no point is connected after it.
    s.online_points = [];
    // Whoever was never marked is recorded absent, without a reason, by the close.
    for (const person of e.absent || []) s.attendance[person] = { status: "absent", point: null, reason: "", at: e.at };
    // Whoever acted in the session (chair, secretary, a voter, a speaker) unmarked is recorded attending.
    for (const person of e.present || []) s.attendance[person] = { status: "present", point: null, reason: "", at: e.at };
    for (const person of e.online || []) s.attendance[person] = { status: "online", point: null, reason: "", at: e.at };
  },

  "item.started": (s, e) => {
    Object.assign(s.items[e.item], { status: "active", started_at: e.at, ends_at: e.ends_at });
    s.active_item = e.item;
    if (s.taken) s.taken.push(e.item);
  },
  "item.added": (s, e) => {
    s.added_items[e.item.id] = e.item;
    s.items[e.item.id] = { id: e.item.id, status: "pending", started_at: null, ends_at: null, ended_at: null,
      added: true, deferred_at: null, reason: "" };
    place(s, e.item.id, e.after ?? null);
  },
  "item.moved": (s, e) => { place(s, e.item, e.after ?? null); },
  "item.deferred": (s, e) => {
    Object.assign(s.items[e.item], { status: "deferred", deferred_at: e.at, reason: e.reason });
    for (const r of Object.values(s.requests)) {
      if (r.item === e.item && r.status === "queued") r.status = "lapsed";
    }
  },
  "deputy.assigned": (s, e) => {
    s.deputies[e.deputy] = { id: e.deputy, person: e.person, name: e.name, position: e.position || "", at: e.at };
  },
  "proxy.granted": (s, e) => {
    const proxy = { from: e.from, to: e.to, at: e.at, revoked_at: null };
    s.proxies[e.from] = proxy;
    s.proxy_history.push(proxy);
  },
  "proxy.revoked": (s, e) => {
    const proxy = s.proxies[e.from];
    if (proxy) proxy.revoked_at = e.at;
    delete s.proxies[e.from];
  },
  "poll.hands_recorded": (s, e) => { s.polls[e.poll].hands = { ...e.counts }; },
  "item.ended": (s, e) => {
    Object.assign(s.items[e.item], { status: "done", ended_at: e.at });
    s.active_item = null;
    for (const r of Object.values(s.requests)) {
      if (r.item === e.item && r.status === "queued") r.status = "lapsed";
    }
  },

  "attendance.marked": (s, e) => {
    s.attendance[e.person] = { status: e.status, point: e.point ?? null, reason: e.reason || "", at: e.at };
  },

  "speaker.requested": (s, e) => {
    s.requests[e.request] = {
      id: e.request, item: e.item, person: e.person ?? null, point: e.point ?? null, status: "queued",
      requested_at: e.at, granted_at: null, granted_seq: 0, finished_at: null, point_of_order: !!e.point_of_order,
      limit_s: null, spoken_s: null, overrun_s: null,
    };
  },
  "speaker.granted": (s, e) => {
    Object.assign(s.requests[e.request], { status: "speaking", granted_at: e.at, granted_seq: e.seq, limit_s: e.limit_s ?? null });
    s.floor = e.request;
  },
  "speaker.finished": (s, e) => {
    Object.assign(s.requests[e.request], { status: "finished", finished_at: e.at, spoken_s: e.spoken_s ?? null,
      overrun_s: e.overrun_s ?? null });
    if (s.floor === e.request) s.floor = null;
  },
  "speaker.withdrawn": (s, e) => { s.requests[e.request].status = "withdrawn"; },

  "poll.opened": (s, e) => {
    s.polls[e.poll] = {
      id: e.poll, item: e.item, spec: e.spec, status: "open", opened_at: e.at, closed_at: null,
      members: e.members, present_at_open: e.present, needed: e.needed,
      voters: [], choices: {}, tally: {}, heads: {}, result: null, by: {}, hands: null,
    };
  },
  "vote.cast": (s, e) => {
    const p = s.polls[e.poll];
    if (!p.voters.includes(e.person)) p.voters.push(e.person);
    if (e.by != null && p.by) p.by[e.person] = e.by;
    if (e.choice != null) {
      p.choices[e.person] = e.choice;
      p.tally[e.choice] = (p.tally[e.choice] || 0) + (e.weight || 1);
      p.heads[e.choice] = (p.heads[e.choice] || 0) + 1;
    }
  },
  "poll.closed": (s, e) => {
    const p = s.polls[e.poll];
    p.status = "closed";
    p.closed_at = e.at;
    p.result = {
      counts: e.counts, votes: e.votes, members: e.members, present: e.present, voted: e.voted,
      not_voted: e.not_voted, outcome: e.outcome, roll: e.roll ?? null, present_heads: e.entitled.length,
    };
  },

  "note.recorded": (s, e) => {
    const revised = e.revises != null ? s.notes.find((n) => n.seq === e.revises) : null;
    // A follower outside the chair, secretary and admin gets the note without its text ("private"), as the snapshot shows it.
    const hidden = e.private ? { private: true } : {};
    if (revised) Object.assign(revised, { text: e.text, at: e.at }, hidden);
    else s.notes.push({ item: e.item, text: e.text, at: e.at, seq: e.seq, ...hidden });
  },
  "conclusion.recorded": (s, e) => { s.conclusions.push({ item: e.item, text: e.text, at: e.at, seq: e.seq }); },
  "minutes.finalized": (s, e) => {
    s.minutes_sha256 = e.sha256; s.minutes_head = e.head_hash; s.minutes_sealed_by = e.sealed_by ?? null;
  },
  "minutes.signed": (s, e) => {
    s.minutes_signed = [...(s.minutes_signed || []),
      { revision: e.revision, sha256: e.sha256, signatures: e.signatures, at: e.at, seq: e.seq }];
  },

  "point.online": (s, e) => {
    if (!s.online_points.includes(e.point)) s.online_points.push(e.point);
    if (!s.points_seen.includes(e.point)) s.points_seen.push(e.point);
  },
  "point.offline": (s, e) => { s.online_points = s.online_points.filter((p) => p !== e.point); },
};

/** Put item `id` right after `after` in the planned order (null: first). */
function place(s, id, after) {
  s.order = s.order.filter((i) => i !== id);
  s.order.splice(after == null ? 0 : s.order.indexOf(after) + 1, 0, id);
}

/** Fold one event into `state` (in place). Unknown types only move the seq on. */
export function apply(state, event) {
  const fn = APPLY[event.type];
  if (fn) fn(state, event);
  state.seq = event.seq;
  return state;
}

// -- lookups the pages share --------------------------------------------------------------

export function person(state, id) {
  const found = state.agenda.people.find((p) => p.id === id);
  if (found) return found;
  const deputy = state.deputies?.[id];
  if (!deputy) return null;
  const member = state.agenda.people.find((p) => p.id === deputy.person);
  return { id, name: deputy.name, position: deputy.position, point: member?.point || "", voting: false, weight: 1,
    deputy_for: deputy.person };
}

/** The deputy attending for `member`, or null. */
export function deputyFor(state, member) {
  return Object.values(state.deputies || {}).find((d) => d.person === member) || null;
}

export function point(state, id) {
  return state.agenda.points.find((p) => p.id === id) || null;
}

export function agendaItem(state, id) {
  return state.agenda.items.find((i) => i.id === id) || state.added_items?.[id] || null;
}

/** Every item in the planned order as it stands (moves and additions included). */
export function itemsInOrder(state) {
  return (state.order || state.agenda.items.map((i) => i.id)).map((id) => agendaItem(state, id));
}

/** Here to vote: present in person, or (deputies_vote) by a deputy who is present. */
function presentVoter(state, id) {
  if (isPresent(state, id)) return true;
  if (!state.agenda.session.deputies_vote) return false;
  const deputy = deputyFor(state, id);
  return !!deputy && isPresent(state, deputy.id);
}

export function isPresent(state, id) {
  const mark = state.attendance[id];
  return !!mark && mark.status !== "absent";
}

/** The voting members who can vote in `poll` now: present (in person or by a voting deputy), represented by a
 * proxy holder who is present, or already voted. */
export function entitled(state, poll) {
  const voters = new Set(poll ? poll.voters : []);
  const represented = (id) => { const p = state.proxies?.[id]; return !!p && isPresent(state, p.to); };
  return state.agenda.people
    .filter((p) => p.voting && (presentVoter(state, p.id) || represented(p.id) || voters.has(p.id))).map((p) => p.id);
}

/** The members whose vote `me` may cast besides their own: standing proxies given to `me`. */
export function representedBy(state, me) {
  return Object.values(state.proxies || {}).filter((p) => p.to === me).map((p) => p.from);
}

/** The open poll, else the latest poll of the active item, else null. */
export function currentPoll(state) {
  const polls = Object.values(state.polls);
  const open = polls.find((p) => p.status === "open");
  if (open) return open;
  const ofItem = polls.filter((p) => p.item === state.active_item);
  return ofItem.length ? ofItem[ofItem.length - 1] : null;
}

/** The latest poll of all, open or closed (for pages that keep showing the last result). */
export function latestPoll(state) {
  const polls = Object.values(state.polls);
  return polls.length ? polls[polls.length - 1] : null;
}

/** Queued requests of `item` in the order they will be heard: points of order first, each group first-come. */
export function queueOf(state, item) {
  return requestsOf(state, item).filter((r) => r.status === "queued")
    .sort((a, b) => Number(!!b.point_of_order) - Number(!!a.point_of_order));
}

/** Requests of `item` in the order they were made (ids are r1, r2, ...). */
export function requestsOf(state, item) {
  return Object.values(state.requests)
    .filter((r) => r.item === item)
    .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/** The people the close records absent: never marked (present, online or absent) and never acting in
 * the session under their own role (chair, secretary, asked for the floor; a voter is marked already),
 * in agenda order. The others never marked the close records attending (server/domain/session.py). */
export function unmarked(state) {
  const s = state.agenda.session;
  const acted = new Set([s.chair, s.secretary]);
  for (const r of Object.values(state.requests)) if (r.person) acted.add(r.person);
  return state.agenda.people.filter((p) => !(p.id in state.attendance) && !acted.has(p.id));
}

/** The people marked absent without a reason (by the chair, or by the close), in agenda order. */
export function absentWithoutReason(state) {
  return state.agenda.people.filter((p) => state.attendance[p.id]?.status === "absent" && !state.attendance[p.id].reason);
}

/** The notes of `item`, in order; a revised note has its latest text and keeps its first seq. */
export function notesOf(state, item) {
  return state.notes.filter((n) => n.item === item);
}
