// Every string the pages show, in Vietnamese and English.
//
// The language is the one last chosen on this device (localStorage), else the session's
// language from its agenda, else Vietnamese. `t(key, params)` fills `{name}` placeholders.

const STORE_KEY = "phienhop.lang";

const STRINGS = {
  vi: {
    "app.name": "phienhop",
    "lang.switch": "English",
    "lang.switch.label": "Switch to English",
    "skip": "Bỏ qua, tới nội dung chính",
    "loading": "Đang tải phiên họp…",
    "dismiss": "Đóng thông báo",
    "cancel": "Hủy",
    "save": "Lưu",

    "role.chair": "Chủ tọa",
    "role.secretary": "Thư ký",
    "role.person": "Thành viên",
    "role.point": "Điểm cầu",
    "role.public": "Theo dõi công khai",

    "conn.connecting": "Đang kết nối…",
    "conn.live": "Trực tiếp",
    "conn.reconnecting": "Đang kết nối lại…",
    "conn.offline": "Mất kết nối — đang thử lại",
    "conn.invalid": "Liên kết không hợp lệ",
    "invalid.title": "Liên kết tham gia không hợp lệ",
    "invalid.detail": "Chi tiết kỹ thuật",
    "invalid.body": "Liên kết này đã hết hạn hoặc không thuộc phiên họp này. Hãy mở lại liên kết tham gia bạn được gửi, hoặc đề nghị người quản trị cấp liên kết mới.",

    "index.title": "phienhop — phiên họp trực tuyến",
    "index.lead": "Để tham gia phiên họp, hãy mở liên kết tham gia riêng mà bạn được gửi.",
    "index.more": "Mỗi liên kết mở đúng trang cho vai trò của bạn: chủ tọa, thư ký, thành viên hoặc điểm cầu. Không chia sẻ liên kết của bạn cho người khác.",

    "status.scheduled": "Chưa khai mạc",
    "status.open": "Đang họp",
    "status.closed": "Đã bế mạc",
    "item.pending": "Chưa bắt đầu",
    "item.active": "Đang diễn ra",
    "item.done": "Đã xong",
    "item.none": "Chưa có nội dung nào đang diễn ra.",
    "item.number": "Nội dung {n}/{of}",
    "item.minutes": "{n} phút",
    "item.presenter": "Trình bày: {name}",
    "countdown.label": "Thời gian còn lại",
    "countdown.over": "Quá giờ {time}",

    "session.open": "Khai mạc phiên họp",
    "session.opened_at": "Khai mạc lúc {time}",
    "session.closed_at": "bế mạc lúc {time}",
    "session.close": "Bế mạc phiên họp",
    "session.close.confirm": "Bế mạc phiên họp? Sau khi bế mạc không thể mở lại.",
    "session.close.unmarked": "Chưa điểm danh ({n}), sẽ được ghi vắng mặt không có lý do: {names}.",
    "confirm": "Xác nhận",
    "item.start": "Bắt đầu",
    "item.end": "Kết thúc nội dung",

    "agenda": "Chương trình",
    "session": "Phiên họp",

    "floor": "Đang phát biểu",
    "floor.none": "Chưa có ai phát biểu.",
    "speakers": "Đăng ký phát biểu",
    "speakers.queue": "Danh sách chờ",
    "speakers.empty": "Chưa có ai đăng ký.",
    "speakers.grant": "Mời phát biểu",
    "speakers.finish": "Kết thúc phát biểu",
    "speakers.withdraw": "Rút",
    "speakers.add": "Thêm người phát biểu",
    "speakers.add.who": "Người phát biểu",
    "speakers.next": "Tiếp theo",
    "speak.ask": "Xin phát biểu",
    "speak.queued": "Bạn đã đăng ký phát biểu (thứ {n} trong danh sách chờ).",
    "speak.speaking": "Bạn đang phát biểu.",
    "speak.withdraw": "Rút đăng ký",
    "speak.point": "Điểm cầu (chưa chọn người)",
    "speak.need_item": "Chỉ có thể xin phát biểu khi có nội dung đang diễn ra.",

    "poll": "Biểu quyết",
    "poll.open": "Mở biểu quyết",
    "poll.close": "Kết thúc biểu quyết",
    "poll.none": "Chưa có biểu quyết.",
    "poll.is_open": "Đang biểu quyết",
    "poll.progress": "{n} trên {m} người đã biểu quyết",
    "poll.quorum": "Có mặt khi mở: {present}/{members} thành viên; cần {needed}",
    "poll.result": "Kết quả biểu quyết",
    "poll.outcome.adopted": "THÔNG QUA",
    "poll.outcome.rejected": "KHÔNG THÔNG QUA",
    "poll.outcome.consultative": "LẤY Ý KIẾN",
    "poll.not_voted": "Không tham gia biểu quyết: {n}",
    "poll.roll": "Danh sách biểu quyết",
    "ballot.named": "Biểu quyết công khai",
    "ballot.secret": "Bỏ phiếu kín",
    "rule.simple": "Tán thành nhiều hơn không tán thành",
    "rule.more-than-half-of-present": "Quá nửa số thành viên có mặt",
    "rule.more-than-half-of-members": "Quá nửa tổng số thành viên",
    "rule.two-thirds-of-members": "Ít nhất hai phần ba tổng số thành viên",
    "rule.consultative": "Lấy ý kiến, không quyết định",
    "choice.yes": "Tán thành",
    "choice.no": "Không tán thành",
    "choice.abstain": "Không biểu quyết",
    "vote.confirm": "Xác nhận biểu quyết: {choice}?",
    "vote.final": "Không thể thay đổi sau khi gửi.",
    "vote.send": "Gửi biểu quyết",
    "vote.sending": "Đang gửi…",
    "vote.done": "Bạn đã biểu quyết: {choice}",
    "vote.done.secret": "Bạn đã biểu quyết (phiếu kín; lựa chọn không lưu trên thiết bị này).",
    "vote.receipt": "Mã biên nhận: {receipt}",
    "vote.retry": "Chưa xác nhận được phiếu của bạn. Gửi lại",
    "vote.need_checkin": "Hãy điểm danh trước khi biểu quyết.",
    "vote.no_right": "Bạn không có quyền biểu quyết trong phiên họp này.",
    "vote.missed": "Bạn đã không biểu quyết.",

    "attendance": "Điểm danh",
    "attendance.present": "Có mặt tại hội trường",
    "attendance.online": "Trực tuyến",
    "attendance.online_at": "Trực tuyến tại {point}",
    "attendance.absent": "Vắng",
    "attendance.unmarked": "Chưa điểm danh",
    "attendance.you": "Trạng thái của bạn: {status}",
    "attendance.checkin": "Điểm danh",
    "attendance.hall": "Hội trường",
    "attendance.by_point": "Trực tuyến theo điểm cầu",
    "attendance.voting": "Thành viên có quyền biểu quyết có mặt: {present}/{members} (cần {needed} để đủ số)",
    "attendance.people": "Điểm danh từng người",
    "attendance.here": "Người dự tại điểm cầu",
    "attendance.none_here": "Điểm cầu này không có đại biểu trong danh sách.",
    "points.online": "Điểm cầu đang kết nối: {n}/{of}",
    "points.online.yes": "đang kết nối",
    "points.online.no": "không kết nối",

    "conclusion": "Kết luận",
    "conclusion.add": "Ghi kết luận",
    "conclusion.placeholder": "Nội dung kết luận của chủ tọa",
    "conclusion.none": "Chưa có kết luận.",

    "notes": "Ghi chép",
    "notes.saved": "Đã lưu",
    "notes.unsaved": "Chưa lưu",
    "notes.saving": "Đang lưu…",
    "notes.waiting": "Chưa lưu — sẽ gửi khi có kết nối",
    "notes.empty": "Chưa lưu — không lưu được ghi chép trống",
    "notes.new": "Thêm ghi chép mới",
    "notes.help": "Tự động lưu khi bạn ngừng gõ. Bản nháp được giữ trên máy này cho đến khi lưu xong.",
    "minutes": "Biên bản",
    "minutes.preview": "Xem trước dự thảo biên bản",
    "minutes.preview.final": "Xem trước biên bản",
    "minutes.refresh": "Cập nhật bản xem trước",
    "minutes.refresh.stale": "Có thay đổi mới — cập nhật bản xem trước",
    "minutes.download": "Tải biên bản (PDF)",
    "minutes.download.draft": "Tải dự thảo biên bản (PDF)",
    "minutes.open": "Mở trong thẻ mới",
    "minutes.finalize": "Hoàn tất biên bản",
    "minutes.finalize.confirm": "Hoàn tất biên bản? Sau đó không thể sửa ghi chép, kết luận hay điểm danh.",
    "minutes.finalize.absent": "Vắng mặt không có lý do ({n}): {names}. Kiểm tra lại điểm danh trước khi hoàn tất.",
    "minutes.finalize.wait": "Chỉ hoàn tất được sau khi bế mạc phiên họp.",
    "minutes.final": "Biên bản đã hoàn tất. Mã SHA-256: {sha}",

    "announce.session.opened": "Phiên họp đã khai mạc.",
    "announce.session.closed": "Phiên họp đã bế mạc.",
    "announce.item.started": "Bắt đầu: {title}",
    "announce.item.ended": "Kết thúc: {title}",
    "announce.speaker.granted": "{name} được mời phát biểu.",
    "announce.poll.opened": "Bắt đầu biểu quyết: {title}",
    "announce.poll.closed": "Kết quả biểu quyết: {outcome}. Tán thành {yes}, không tán thành {no}, không biểu quyết {abstain}.",
    "announce.minutes.finalized": "Biên bản đã hoàn tất.",
    "announce.conn.live": "Đã kết nối lại.",
    "announce.conn.lost": "Mất kết nối, đang kết nối lại.",

    "error.network": "Không gửi được: mất kết nối tới máy chủ. Hãy thử lại.",
    "error.prefix": "Không thực hiện được: {detail}",
  },

  en: {
    "app.name": "phienhop",
    "lang.switch": "Tiếng Việt",
    "lang.switch.label": "Chuyển sang tiếng Việt",
    "skip": "Skip to main content",
    "loading": "Loading the session…",
    "dismiss": "Dismiss",
    "cancel": "Cancel",
    "save": "Save",

    "role.chair": "Chair",
    "role.secretary": "Secretary",
    "role.person": "Member",
    "role.point": "Connection point",
    "role.public": "Public view",

    "conn.connecting": "Connecting…",
    "conn.live": "Live",
    "conn.reconnecting": "Reconnecting…",
    "conn.offline": "Offline — retrying",
    "conn.invalid": "Link not valid",
    "invalid.title": "This join link is not valid",
    "invalid.detail": "Technical details",
    "invalid.body": "The link has expired or does not belong to this session. Open the join link you were sent again, or ask the session's admin for a new one.",

    "index.title": "phienhop — live committee sessions",
    "index.lead": "To take part in a session, open the personal join link you were sent.",
    "index.more": "Each link opens the page for your role: chair, secretary, member or connection point. Do not share your link.",

    "status.scheduled": "Not yet open",
    "status.open": "In session",
    "status.closed": "Closed",
    "item.pending": "Pending",
    "item.active": "In progress",
    "item.done": "Done",
    "item.none": "No agenda item is in progress.",
    "item.number": "Item {n} of {of}",
    "item.minutes": "{n} min",
    "item.presenter": "Presenter: {name}",
    "countdown.label": "Time left",
    "countdown.over": "Over by {time}",

    "session.open": "Open the session",
    "session.opened_at": "Opened at {time}",
    "session.closed_at": "closed at {time}",
    "session.close": "Close the session",
    "session.close.confirm": "Close the session? It cannot be reopened.",
    "session.close.unmarked": "Not marked ({n}); they will be recorded absent, no reason given: {names}.",
    "confirm": "Confirm",
    "item.start": "Start",
    "item.end": "End item",

    "agenda": "Agenda",
    "session": "Session",

    "floor": "Has the floor",
    "floor.none": "Nobody has the floor.",
    "speakers": "Speakers",
    "speakers.queue": "Waiting",
    "speakers.empty": "Nobody has asked for the floor.",
    "speakers.grant": "Give the floor",
    "speakers.finish": "End speech",
    "speakers.withdraw": "Withdraw",
    "speakers.add": "Add a speaker",
    "speakers.add.who": "Speaker",
    "speakers.next": "Next",
    "speak.ask": "Ask for the floor",
    "speak.queued": "You asked for the floor (number {n} in the queue).",
    "speak.speaking": "You have the floor.",
    "speak.withdraw": "Withdraw request",
    "speak.point": "This point (no one named)",
    "speak.need_item": "You can ask for the floor while an item is in progress.",

    "poll": "Vote",
    "poll.open": "Open the vote",
    "poll.close": "Close the vote",
    "poll.none": "No vote yet.",
    "poll.is_open": "Voting in progress",
    "poll.progress": "{n} of {m} have voted",
    "poll.quorum": "Present at opening: {present}/{members} members; {needed} needed",
    "poll.result": "Result of the vote",
    "poll.outcome.adopted": "ADOPTED",
    "poll.outcome.rejected": "REJECTED",
    "poll.outcome.consultative": "CONSULTATIVE",
    "poll.not_voted": "Did not vote: {n}",
    "poll.roll": "Roll of votes",
    "ballot.named": "Named vote",
    "ballot.secret": "Secret ballot",
    "rule.simple": "More in favour than against",
    "rule.more-than-half-of-present": "More than half of the members present",
    "rule.more-than-half-of-members": "More than half of all members",
    "rule.two-thirds-of-members": "At least two thirds of all members",
    "rule.consultative": "Consultative, not binding",
    "choice.yes": "In favour",
    "choice.no": "Against",
    "choice.abstain": "Abstain",
    "vote.confirm": "Confirm your vote: {choice}?",
    "vote.final": "A vote cannot be changed once sent.",
    "vote.send": "Send my vote",
    "vote.sending": "Sending…",
    "vote.done": "You voted: {choice}",
    "vote.done.secret": "You voted (secret ballot; your choice is not kept on this device).",
    "vote.receipt": "Receipt: {receipt}",
    "vote.retry": "Your vote was not confirmed yet. Send again",
    "vote.need_checkin": "Check in before you vote.",
    "vote.no_right": "You have no vote in this session.",
    "vote.missed": "You did not vote.",

    "attendance": "Attendance",
    "attendance.present": "Present in the hall",
    "attendance.online": "Online",
    "attendance.online_at": "Online at {point}",
    "attendance.absent": "Absent",
    "attendance.unmarked": "Not checked in",
    "attendance.you": "Your status: {status}",
    "attendance.checkin": "Check in",
    "attendance.hall": "In the hall",
    "attendance.by_point": "Online by connection point",
    "attendance.voting": "Voting members present: {present}/{members} ({needed} needed for quorum)",
    "attendance.people": "Mark attendance person by person",
    "attendance.here": "People at this point",
    "attendance.none_here": "No delegates are listed at this point.",
    "points.online": "Connection points online: {n}/{of}",
    "points.online.yes": "online",
    "points.online.no": "not connected",

    "conclusion": "Conclusion",
    "conclusion.add": "Record conclusion",
    "conclusion.placeholder": "The chair's conclusion",
    "conclusion.none": "No conclusion yet.",

    "notes": "Notes",
    "notes.saved": "Saved",
    "notes.unsaved": "Not saved",
    "notes.saving": "Saving…",
    "notes.waiting": "Not saved — will send when back online",
    "notes.empty": "Not saved — empty notes cannot be saved",
    "notes.new": "Start a new note",
    "notes.help": "Saved automatically when you stop typing. The draft is kept on this device until it is saved.",
    "minutes": "Minutes",
    "minutes.preview": "Preview the draft minutes",
    "minutes.preview.final": "Preview the minutes",
    "minutes.refresh": "Refresh the preview",
    "minutes.refresh.stale": "Changed since — refresh the preview",
    "minutes.download": "Download the minutes (PDF)",
    "minutes.download.draft": "Download the draft minutes (PDF)",
    "minutes.open": "Open in a new tab",
    "minutes.finalize": "Finalize the minutes",
    "minutes.finalize.confirm": "Finalize the minutes? Notes, conclusions and attendance can no longer change.",
    "minutes.finalize.absent": "Absent, no reason given ({n}): {names}. Check the attendance before finalizing.",
    "minutes.finalize.wait": "The minutes can be finalized once the session is closed.",
    "minutes.final": "The minutes are final. SHA-256: {sha}",

    "announce.session.opened": "The session is open.",
    "announce.session.closed": "The session is closed.",
    "announce.item.started": "Started: {title}",
    "announce.item.ended": "Ended: {title}",
    "announce.speaker.granted": "{name} has the floor.",
    "announce.poll.opened": "Vote opened: {title}",
    "announce.poll.closed": "Vote result: {outcome}. In favour {yes}, against {no}, abstain {abstain}.",
    "announce.minutes.finalized": "The minutes are final.",
    "announce.conn.live": "Connected again.",
    "announce.conn.lost": "Connection lost, reconnecting.",

    "error.network": "Not sent: the server cannot be reached. Try again.",
    "error.prefix": "Could not do that: {detail}",
  },
};

let current = "vi";
const listeners = new Set();

/** The language to start with: this device's last choice, else `fallback` (the session's). */
export function initLanguage(fallback) {
  let stored = null;
  try { stored = localStorage.getItem(STORE_KEY); } catch { /* storage disabled */ }
  setLanguage(STRINGS[stored] ? stored : STRINGS[fallback] ? fallback : "vi", false);
  return current;
}

export function setLanguage(lang, remember = true) {
  current = STRINGS[lang] ? lang : "vi";
  document.documentElement.lang = current;
  if (remember) {
    try { localStorage.setItem(STORE_KEY, current); } catch { /* storage disabled */ }
  }
  for (const fn of listeners) fn(current);
}

export function language() {
  return current;
}

export function onLanguage(fn) {
  listeners.add(fn);
}

export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Fill every `[data-i18n]` element under `root` (static text in the HTML files). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

export const LANGUAGES = Object.keys(STRINGS);
export { STRINGS };
