"""Test control for transfers: WeCom settles them later (the customer accepts or refuses)."""

from __future__ import annotations

from siyu.integrations.wecom.simulator.endpoints import SimEndpoints


def settle_transfer(
    sim: SimEndpoints, handover: str, takeover: str, external_userid: str, status: int
) -> None:
    """Set the transfer_result status; on 1 (done) the relation moves to the taker, as in
    WeCom (the handover loses the contact)."""
    with sim.lock:
        sim.world.transfers.setdefault((handover, takeover), {})[external_userid] = status
        contact = sim.world.contacts.get(external_userid)
        if status == 1 and contact is not None and handover in contact.follows:
            follow = contact.follows.pop(handover)
            contact.follows[takeover] = {**follow, "userid": takeover}
