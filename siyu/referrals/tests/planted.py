"""Random referral graphs with planted abuse, for the property test and the benchmark:
an honest forest (everyone invited once, by someone who came earlier) with some honest
cross-programme overlap, plus rings (directed cycles hung off the forest), dense clusters
(forward-only invites, everyone linked to three or more inside) and self-referrals (an
invitee who is a second profile of the inviter)."""

from __future__ import annotations

import random

from siyu.referrals.graph import Edge


def plant(seed: int, honest: int, n_rings: int, n_clusters: int, n_selves: int) -> tuple[
    list[Edge], set[Edge], dict[int, int]
]:  # fmt: skip
    rng = random.Random(seed)
    edges: list[Edge] = [(rng.randrange(i), i) for i in range(1, honest)]  # a forest
    # Honest overlap: some people invited again in another programme, by someone earlier.
    edges += [(rng.randrange(i), i) for i in rng.sample(range(2, honest), honest // 20)]
    bad: set[Edge] = set()
    alias: dict[int, int] = {}
    nxt = honest
    for _ in range(n_rings):
        size = rng.randint(2, 7)
        ring = list(range(nxt, nxt + size))
        nxt += size
        edges.append((rng.randrange(honest), ring[0]))  # hung off the honest tree
        cycle = [(ring[i], ring[(i + 1) % size]) for i in range(size)]
        edges += cycle
        bad.update(cycle)
    for _ in range(n_clusters):
        size = rng.randint(5, 9)
        members = list(range(nxt, nxt + size))
        nxt += size
        # Invites only forward (no cycle), but everyone is linked to three or more inside.
        inside = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        kept = [e for e in inside if rng.random() < 0.7]
        for member in members:  # dense: everyone has at least three links inside
            for e in inside:
                if sum(member in k for k in kept) >= 3:
                    break
                if member in e and e not in kept:
                    kept.append(e)
        edges += kept
        bad.update(kept)
    for _ in range(n_selves):
        inviter = rng.randrange(honest)
        alias[nxt] = inviter  # a second profile of the inviter (merged, or shared phone)
        edges.append((inviter, nxt))
        bad.add((inviter, nxt))
        nxt += 1
    return edges, bad, alias
