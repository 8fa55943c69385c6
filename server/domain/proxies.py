"""Proxies (ủy quyền): a member who cannot vote in person lets a present member cast their vote.

One proxy per grantor; a proxy goes to a voting member who is present and is never passed
on (a holder cannot grant their own vote away, a grantor cannot hold one). While it stands
the grantor cannot vote themself; the holder votes for them with ``vote.cast`` ``for``, once
per poll, and that vote counts with the grantor's weight. A holder who leaves cannot use it
until back; the proxy itself stands until revoked.
"""

from __future__ import annotations

from .actor import Actor, Role
from .commands import GrantProxy, RevokeProxy
from .errors import Conflict, Invalid, NotFound
from .events import ProxyGranted, ProxyRevoked
from .registry import Context, allow, applies, decides, person_of, require_status
from .state import Proxy, SessionState, SessionStatus


@decides(GrantProxy)
def grant(state: SessionState, actor: Actor, cmd: GrantProxy, ctx: Context):
    allow(actor, "proxy.grant", Role.CHAIR, Role.SECRETARY)
    require_status(state, "proxy.grant", SessionStatus.SCHEDULED, SessionStatus.OPEN)
    grantor, holder = person_of(state, cmd.grantor), person_of(state, cmd.holder)
    if not grantor.voting:
        raise Invalid("proxy.not_member", f"proxy.grant: '{grantor.id}' has no vote to give", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    if not holder.voting:
        raise Invalid("proxy.not_member", f"proxy.grant: '{holder.id}' has no vote; a proxy goes to a voting member", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    if grantor.id == holder.id:
        raise Invalid("proxy.self", "proxy.grant: a member cannot give a proxy to themself", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    standing = state.proxies.get(grantor.id)
    if standing is not None:
        raise Conflict("proxy.exists", f"proxy.grant: '{grantor.id}' has already given a proxy to '{standing.holder}'; revoke it first", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    onward = state.proxies.get(holder.id)
    if onward is not None:
        raise Conflict("proxy.chain", f"proxy.grant: '{holder.id}' has given their own vote to '{onward.holder}'; a proxy is not passed on", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    held = [g for g, p in state.proxies.items() if p.holder == grantor.id]
    if held:
        raise Conflict("proxy.chain", f"proxy.grant: '{grantor.id}' holds a proxy from '{held[0]}'; a proxy is not passed on", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    if not state.is_present(holder.id):
        raise Conflict("proxy.not_present", f"proxy.grant: '{holder.id}' is not marked present; a proxy goes to a member present", {"action": "proxy.grant", "from": cmd.grantor, "to": cmd.holder})
    return [ProxyGranted(at=ctx.now, grantor=grantor.id, holder=holder.id, by=actor.label())]


@decides(RevokeProxy)
def revoke(state: SessionState, actor: Actor, cmd: RevokeProxy, ctx: Context):
    allow(actor, "proxy.revoke", Role.CHAIR, Role.SECRETARY)
    require_status(state, "proxy.revoke", SessionStatus.SCHEDULED, SessionStatus.OPEN)
    standing = state.proxies.get(cmd.grantor)
    if standing is None or standing.holder != cmd.holder:
        raise NotFound("proxy.unknown", f"proxy.revoke: no proxy from '{cmd.grantor}' to '{cmd.holder}' stands", {"action": "proxy.revoke", "from": cmd.grantor, "to": cmd.holder})
    return [ProxyRevoked(at=ctx.now, grantor=cmd.grantor, holder=cmd.holder, by=actor.label())]


@applies(ProxyGranted)
def granted(state: SessionState, event: ProxyGranted) -> None:
    proxy = Proxy(grantor=event.grantor, holder=event.holder, at=event.at)
    state.proxies[event.grantor] = proxy
    state.proxy_history.append(proxy)


@applies(ProxyRevoked)
def revoked(state: SessionState, event: ProxyRevoked) -> None:
    proxy = state.proxies.pop(event.grantor, None)
    if proxy is not None:
        proxy.revoked_at = event.at
