"""The fixed wording of the minutes, per language (vi wording follows Decree 30/2020, form 1.9)."""

import msgspec


class Labels(msgspec.Struct, frozen=True):
    nation: str
    motto: str
    number: str
    number_blank: str
    kind: str
    draft: str
    start: str
    place: str
    participants: str
    in_hall: str
    online: str
    points_connected: str  # points that connected with nobody listed under them
    absent: str
    reason: str
    absent_no_reason: str  # absent, no reason given (also whoever the close recorded absent)
    not_marked: str
    chair: str
    secretary: str
    proceedings: str
    presenter: str
    time: str
    speakers: str
    point: str
    poll: str
    ballot_label: str
    rule_label: str
    quorum_open: str  # the quorum as checked when the poll opened (heads)
    quorum_consultative: str  # a consultative poll checks no quorum
    present_close: str  # heads present at the close
    present_close_weighted: str  # heads and weights present at the close
    poll_time: str
    tally_head: tuple[str, str, str]  # every weight is 1: votes are heads
    tally_head_weighted: tuple[str, str, str, str]  # heads and weights apart, the share of all weight
    tally: dict[str, str]
    result: str
    outcomes: dict[str, str]
    roll: str
    choices: dict[str, str]
    rules: dict[str, str]
    ballots: dict[str, str]
    conclusion: str
    closing: str
    closing_blank: str
    chair_sign: str
    secretary_sign: str
    sign_hint: str
    recipients: str  # "Nơi nhận:" of form 1.9
    verify_title: str  # the small-print block that says the log reference is for checking the file
    verify_code: str  # the short code a person reads out
    provenance: str  # exactly two {}: event count, head hash (phienhop verify --pdf reads it back)
    verify_how: str
    deputies: str = ""
    deputy_for: str = ""
    proxies: str = ""
    proxy_line: str = ""
    proxy_revoked: str = ""
    added: str = ""
    deferred: str = ""
    not_taken_up: str = ""
    ballot_number: str = ""  # "{}": which of an item's polls, when there was more than one
    cast_by: str = ""
    spoke: str = ""
    overrun: str = ""
    minutes_seconds: str = ""
    speaking_time: str = ""
    by_person: str = ""
    by_point: str = ""
    turns: str = ""
    turn: str = ""
    hands: str = ""


VI = Labels(
    nation="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    motto="Độc lập - Tự do - Hạnh phúc",
    number="Số: {}",
    number_blank="Số: .../BB-...",
    kind="BIÊN BẢN",
    draft="DỰ THẢO",
    start="Thời gian bắt đầu:",
    place="Địa điểm:",
    participants="Thành phần tham dự:",
    in_hall="Có mặt tại hội trường ({}):",
    online="Tham dự trực tuyến tại các điểm cầu:",
    points_connected="Các điểm cầu khác đã kết nối ({}):",
    absent="Vắng mặt có lý do ({}):",
    reason="lý do: {}",
    absent_no_reason="Vắng mặt không có lý do ({}):",
    not_marked="Chưa điểm danh ({}):",
    chair="Chủ trì:",
    secretary="Thư ký:",
    proceedings="NỘI DUNG",
    presenter="Trình bày:",
    time="Thời gian:",
    speakers="Ý kiến phát biểu:",
    point="điểm cầu {}",
    poll="Biểu quyết:",
    ballot_number="(lần {})",
    ballot_label="Hình thức:",
    rule_label="nguyên tắc thông qua:",
    quorum_open=(
        "Khi mở biểu quyết: có mặt {present}/{members} thành viên có quyền biểu quyết; số thành viên tối thiểu "
        "phải có mặt: {needed} (quá {quorum} tổng số thành viên)."
    ),
    quorum_consultative=(
        "Biểu quyết thăm dò ý kiến, không yêu cầu số thành viên tối thiểu; khi mở biểu quyết có mặt "
        "{present}/{members} thành viên có quyền biểu quyết."
    ),
    present_close="Khi kết thúc biểu quyết: có mặt {present}/{members} thành viên.",
    present_close_weighted=(
        "Khi kết thúc biểu quyết: có mặt {present}/{members} thành viên, "
        "{wpresent}/{wmembers} phiếu theo trọng số."
    ),
    poll_time="Mở biểu quyết: {}; kết thúc: {}.",
    tally_head=("", "Số phiếu", "Tỷ lệ/tổng số thành viên"),
    tally_head_weighted=("", "Số thành viên", "Số phiếu theo trọng số", "Tỷ lệ/tổng số phiếu theo trọng số"),
    tally={
        "yes": "Tán thành",
        "no": "Không tán thành",
        "abstain": "Không biểu quyết",
        "not_voted": "Không tham gia biểu quyết",  # only closed polls are printed
    },
    result="Kết quả:",
    outcomes={
        "adopted": "THÔNG QUA",
        "rejected": "KHÔNG THÔNG QUA",
        "consultative": "Biểu quyết thăm dò, không có kết quả thông qua",
    },
    roll="Kết quả biểu quyết của từng thành viên:",
    choices={"yes": "Tán thành", "no": "Không tán thành", "abstain": "Không biểu quyết"},
    rules={
        "simple": "đa số phiếu tán thành trên số phiếu biểu quyết",
        "more-than-half-of-present": "quá nửa số thành viên có mặt",
        "more-than-half-of-members": "quá nửa tổng số thành viên",
        "two-thirds-of-members": "ít nhất hai phần ba tổng số thành viên",
        "consultative": "biểu quyết thăm dò ý kiến",
    },
    ballots={"named": "biểu quyết công khai", "secret": "bỏ phiếu kín", "hands": "biểu quyết giơ tay"},
    conclusion="Kết luận:",
    closing="Cuộc họp kết thúc vào {time}, {date}./.",
    closing_blank="Cuộc họp kết thúc vào … giờ …, ngày … tháng … năm …",
    chair_sign="CHỦ TỌA",
    secretary_sign="THƯ KÝ",
    sign_hint="(Ký, ghi rõ họ tên)",
    recipients="Nơi nhận:",
    verify_title="Đối chiếu bản điện tử (không thuộc nội dung biên bản)",
    verify_code="Mã đối chiếu: {}",
    provenance="Biên bản được lập từ nhật ký sự kiện: {} sự kiện, mã băm cuối {}",
    verify_how=(
        "Mã đối chiếu là 12 ký tự đầu của mã băm cuối; lệnh phienhop verify dùng mã băm này để kiểm tra "
        "bản điện tử với nhật ký sự kiện của phiên họp."
    ),
    deputies="Người dự thay ({}):",
    deputy_for="dự thay {}",
    proxies="Ủy quyền biểu quyết ({}):",
    proxy_line="{} ủy quyền cho {}",
    proxy_revoked="thu hồi lúc {}",
    added="(bổ sung trong phiên họp)",
    deferred="Hoãn xem xét; lý do: {}",
    not_taken_up="Không được xem xét tại phiên họp.",
    cast_by="do {} biểu quyết thay",
    spoke="{}",
    overrun="quá {}",
    minutes_seconds="{m} phút {s:02d} giây",
    speaking_time="THỜI GIAN PHÁT BIỂU",
    by_person="Theo người phát biểu:",
    by_point="Theo điểm cầu:",
    turns="{} lượt",
    turn="{} lượt",
    hands="Số người giơ tay",
)

EN = Labels(
    nation="SOCIALIST REPUBLIC OF VIET NAM",
    motto="Independence - Freedom - Happiness",
    number="No.: {}",
    number_blank="No.: .../BB-...",
    kind="MINUTES",
    draft="DRAFT",
    start="Start time:",
    place="Venue:",
    participants="Participants:",
    in_hall="Present in the hall ({}):",
    online="Attending online from connection points:",
    points_connected="Other connection points connected ({}):",
    absent="Absent with a reason ({}):",
    reason="reason: {}",
    absent_no_reason="Absent, no reason given ({}):",
    not_marked="Not marked yet ({}):",
    chair="Chair:",
    secretary="Secretary:",
    proceedings="PROCEEDINGS",
    presenter="Presented by:",
    time="Time:",
    speakers="Speakers:",
    point="connection point {}",
    poll="Vote on:",
    ballot_number="(ballot {})",
    ballot_label="Form:",
    rule_label="adoption rule:",
    quorum_open=(
        "When the vote opened: {present} of {members} voting members present; quorum: {needed} members "
        "(more than {quorum} of all members)."
    ),
    quorum_consultative=(
        "Consultative vote, no quorum required; when the vote opened, {present} of {members} voting members "
        "were present."
    ),
    present_close="When the vote closed: {present} of {members} members present.",
    present_close_weighted=(
        "When the vote closed: {present} of {members} members present, {wpresent} of {wmembers} weighted votes."
    ),
    poll_time="Vote opened: {}; closed: {}.",
    tally_head=("", "Votes", "Share of all members"),
    tally_head_weighted=("", "Members", "Weighted votes", "Share of all weighted votes"),
    tally={"yes": "Yes", "no": "No", "abstain": "Abstain", "not_voted": "Not voted"},
    result="Result:",
    outcomes={
        "adopted": "ADOPTED",
        "rejected": "REJECTED",
        "consultative": "Consultative: no adopted/rejected outcome",
    },
    roll="Roll call:",
    choices={"yes": "Yes", "no": "No", "abstain": "Abstain"},
    rules={
        "simple": "majority of the votes cast",
        "more-than-half-of-present": "more than half of the members present",
        "more-than-half-of-members": "more than half of all members",
        "two-thirds-of-members": "at least two thirds of all members",
        "consultative": "consultative vote",
    },
    ballots={"named": "named vote", "secret": "secret ballot", "hands": "show of hands"},
    conclusion="Conclusion:",
    closing="The meeting ended at {time} on {date}./.",
    closing_blank="The meeting ended at …:… on …",
    chair_sign="CHAIR",
    secretary_sign="SECRETARY",
    sign_hint="(Signature, full name)",
    recipients="Recipients:",
    verify_title="Electronic verification (not part of the minutes' content)",
    verify_code="Verification code: {}",
    provenance="Compiled from the event log: {} events, head hash {}",
    verify_how=(
        "The code is the first 12 characters of the head hash; phienhop verify uses that hash to check "
        "the electronic copy against the session's event log."
    ),
    deputies="Deputies ({}):",
    deputy_for="for {}",
    proxies="Proxies ({}):",
    proxy_line="{} gave a proxy to {}",
    proxy_revoked="revoked at {}",
    added="(added during the session)",
    deferred="Deferred; reason: {}",
    not_taken_up="Not taken up at the session.",
    cast_by="cast by {}",
    spoke="{}",
    overrun="{} over",
    minutes_seconds="{m} min {s:02d} s",
    speaking_time="SPEAKING TIME",
    by_person="By speaker:",
    by_point="By connection point:",
    turns="{} turns",
    turn="{} turn",
    hands="Hands raised",
)

LABELS = {"vi": VI, "en": EN}
