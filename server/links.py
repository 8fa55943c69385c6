"""Join links, printed once: only the tokens' hashes are kept."""

from __future__ import annotations


def format_links(base_url: str, session_id: str, agenda, tokens) -> str:
    """Every join link of a session, grouped by role, for printing once."""
    link = lambda t: f"{base_url}/join/{t}"  # noqa: E731
    people = {p.id: p for p in agenda.people}
    lines = [f"Session {session_id}: {agenda.session.title}", ""]
    lines.append(f"  chair (chủ tọa)       {people[agenda.session.chair].name:<40} {link(tokens.chair)}")
    lines.append(f"  secretary (thư ký)    {people[agenda.session.secretary].name:<40} {link(tokens.secretary)}")
    lines.append(f"  public screen         {'(read-only, anyone)':<40} {link(tokens.public)}")
    lines.append("")
    lines.append(f"  connection points (điểm cầu): {len(tokens.points)}")
    for point in agenda.points:
        lines.append(f"    {point.name:<58} {link(tokens.points[point.id])}")
    lines.append("")
    lines.append(f"  members and guests (thành viên, khách mời): {len(tokens.people)}")
    for person in agenda.people:
        vote = "votes" if person.voting else "     "
        lines.append(f"    {person.name:<50} {vote}  {link(tokens.people[person.id])}")
    return "\n".join(lines)
