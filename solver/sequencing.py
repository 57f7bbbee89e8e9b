"""A safe move order from today's placement to a plan's (moves.csv, data/moves.py).

Where groups are today, and which need a move, is solver/move_groups.py's. A row's
`from` is the node holding most of the group's VMs among those other than its
target (for a group on one node, that node).

The method: each node keeps its incoming groups largest first (groups leaving a
node over its limits at the start ahead of the others); whenever a node loses load,
its parked groups resume there first, then every incoming group that now fits
moves, which frees its sources in turn (each move wakes only its sources). A move is
made only when its target stays within every limit, so a node over its limits never
gains load. When nothing fits (a cycle), one group is taken out of the way: for the
node whose smallest waiting group is closest to fitting, the smallest group leaving
it that frees enough room (else the largest one); it hops to the node of its
cluster with the most free memory that can take it (one more migration), else it
is parked (saved to disk: down until it resumes on its target, as soon as that has
room). A group hops at most once; each break looks at every node once.
Guarantees, for a plan whose no-failure placement fits (a certified one): it ends,
every step fits, every group ends on its planned node, at most two rows per group
(parking always frees room, so a cycle is always broken); hops and parks happen only
when no move fits, one group each, but their number is not proven minimal (that is
a feedback-vertex-set problem).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from data.inventory import Inventory
from data.moves import Move, failover_groups
from data.plan import Plan
from solver.move_groups import Group, Incoming, Vector, build_groups, start_nodes

HOP_TRIES = 8  # candidates looked at for a hop before the best one is parked


@dataclass
class _Row:
    group: Group
    source: int
    target: int
    parked: bool = False
    resume_step: int | None = None


def sequence_moves(inventory: Inventory, plan: Plan) -> tuple[Move, ...]:
    """The moves, in order, that take today's placement to the plan's (see the module)."""
    return _Sequencer(inventory, plan).run()


class _Sequencer:
    """The replay state (loads per node) and the rows written so far."""

    def __init__(self, inventory: Inventory, plan: Plan) -> None:
        self.inv = inventory
        vm_load = np.column_stack(
            [inventory.vm_cost_mb, inventory.vm_vcpus, inventory.vm_resources]
        ).astype(np.int64)
        self.vm_load: list[Vector] = [tuple(row) for row in vm_load.tolist()]
        limits = np.column_stack(
            [inventory.node_capacity_mb, inventory.node_vcpu_capacity, inventory.node_resources]
        ).astype(np.int64)
        self.limit: list[Vector] = [tuple(row) for row in limits.tolist()]
        self.dims = range(limits.shape[1])
        self.load = [[0] * limits.shape[1] for _ in range(inventory.n_nodes)]
        listed = failover_groups(inventory, plan)
        start = start_nodes(inventory, plan, listed)
        for v, n in enumerate(start):
            if n >= 0:
                self.load[n] = [a + b for a, b in zip(self.load[n], self.vm_load[v], strict=True)]
        self.over_at_start = [not self._within(n) for n in range(inventory.n_nodes)]
        every = build_groups(inventory, plan, start, self.vm_load, listed)
        self.groups = [g for g in every if self._needs_move(g)]
        self.rows: list[_Row] = []
        self.out_at: list[set[Group]] = [set() for _ in range(inventory.n_nodes)]
        for g in self.groups:
            for n in g.at:
                self.out_at[n].add(g)
        self.incoming = self._incoming_lists()
        self.parked: list[list[Group]] = [[] for _ in range(inventory.n_nodes)]
        self.pending = len(self.groups)
        self.dirty: deque[int] = deque(range(inventory.n_nodes))
        self.queued = [True] * inventory.n_nodes
        self.changed = [0] * inventory.n_nodes  # bumped whenever a node's load or queue changes
        self.candidates: dict[int, tuple[int, tuple[tuple[int, int, str], Group] | None]] = {}

    def _needs_move(self, g: Group) -> bool:
        return len(g.at) > 1 or (len(g.at) == 1 and g.target not in g.at)

    def _incoming_lists(self) -> list[tuple[Incoming, Incoming]]:
        """Per node: (groups leaving a node over its limits at the start, the others)."""
        entries: list[tuple[list, list]] = [([], []) for _ in range(self.inv.n_nodes)]
        for g in self.groups:
            urgent = any(self.over_at_start[n] for n in g.at)
            entries[g.target][0 if urgent else 1].append((self._adds(g, g.target)[0], g))
        lists = [(Incoming(a), Incoming(b)) for a, b in entries]
        for pair in lists:
            for tier, incoming in enumerate(pair):
                for i, g in enumerate(incoming.groups):
                    g.slot = (tier, i)
        return lists

    # loads ----------------------------------------------------------------------

    def _within(self, n: int) -> bool:
        return all(a <= b for a, b in zip(self.load[n], self.limit[n], strict=True))

    def _adds(self, g: Group, n: int) -> Vector:
        """The load node n gains when g starts on it (its VMs already there restart)."""
        if n not in g.at:
            return g.load
        there = g.at[n][0]
        return tuple(a - b for a, b in zip(g.load, there, strict=True))

    def _fits(self, g: Group, n: int) -> bool:
        gain = self._adds(g, n)
        load, limit = self.load[n], self.limit[n]
        return all(a + b <= c for a, b, c in zip(load, gain, limit, strict=True))

    def _free_mb(self, n: int) -> int:
        return self.limit[n][0] - self.load[n][0]

    # steps ----------------------------------------------------------------------

    def _leave(self, g: Group) -> None:
        for n, (load, _) in g.at.items():
            self.load[n] = [a - b for a, b in zip(self.load[n], load, strict=True)]
            self.changed[n] += 1
            self.out_at[n].discard(g)
            if not self.queued[n]:
                self.queued[n] = True
                self.dirty.append(n)
        g.at = {}

    def _source(self, g: Group, target: int) -> int:
        counts = [(-count, n) for n, (_, count) in g.at.items() if n != target]
        return min(counts)[1]

    def _move(self, g: Group, target: int, parked: bool = False) -> None:
        self.rows.append(_Row(g, self._source(g, target), target, parked))
        self._leave(g)
        if parked:
            g.parked_row = len(self.rows) - 1
            self.parked[target].append(g)
        else:
            self._start(g, target)
        if target == g.target:
            self.pending -= 1
        elif not parked:
            self.out_at[target].add(g)

    def _start(self, g: Group, n: int) -> None:
        self.load[n] = [a + b for a, b in zip(self.load[n], g.load, strict=True)]
        self.changed[n] += 1
        g.at = {n: (g.load, len(g.vms))}

    def _resume(self, n: int) -> None:
        """Parked groups bound for n start on it after the latest step, if it has room."""
        waiting = []
        for g in self.parked[n]:
            if g.parked_row < len(self.rows) - 1 and self._fits(g, n):
                self.rows[g.parked_row].resume_step = len(self.rows)
                self._start(g, n)
            else:
                waiting.append(g)
        self.parked[n] = waiting

    def _fill(self, n: int) -> None:
        """Every group bound for n that fits moves there, largest first, urgent tier first."""
        for tier, incoming in enumerate(self.incoming[n]):
            i = incoming.largest(self._free_mb(n), len(incoming.keys))
            while i >= 0:
                g = incoming.groups[i]
                if self._fits(g, n):
                    incoming.remove(i)
                    g.slot = (tier, -1)
                    self._move(g, n)
                i = incoming.largest(self._free_mb(n), i)

    def _settle(self) -> None:
        while self.dirty:
            n = self.dirty.popleft()
            self.queued[n] = False
            self._resume(n)
            self._fill(n)

    # cycles -----------------------------------------------------------------------

    def _blocked(self, n: int) -> Group | None:
        """The waiting group bound for n that adds the least memory."""
        best: tuple[int, Group] | None = None
        for incoming in self.incoming[n]:
            i = incoming.smallest()
            if i >= 0 and (best is None or incoming.keys[i] < best[0]):
                best = (incoming.keys[i], incoming.groups[i])
        return None if best is None else best[1]

    def _cached(self, n: int) -> tuple[tuple[int, int, str], Group] | None:
        """_candidate(n), recomputed only when n changed since it was last asked."""
        seen = self.candidates.get(n)
        if seen is None or seen[0] != self.changed[n]:
            seen = (self.changed[n], self._candidate(n))
            self.candidates[n] = seen
        return seen[1]

    def _candidate(self, n: int) -> tuple[tuple[int, int, str], Group] | None:
        """The group to take off n so that n's smallest waiting group fits, with its key
        (enough room freed first, then small)."""
        waiting = self._blocked(n)
        if waiting is None:
            return None
        gain = self._adds(waiting, n)
        need = [max(0, self.load[n][d] + gain[d] - self.limit[n][d]) for d in self.dims]
        leaving = [g for g in self.out_at[n] if g is not waiting]
        if not leaving:
            return None
        enough = [g for g in leaving if all(g.at[n][0][d] >= need[d] for d in self.dims)]
        if enough:
            g = min(enough, key=lambda g: (g.load[0], g.name))
        else:
            g = max(leaving, key=lambda g: (g.at[n][0][0], g.name))
        return (0 if enough else 1, g.load[0], g.name), g

    def _hop_node(self, g: Group) -> int | None:
        """The node of g's cluster, other than its own and its target, with the most free
        memory that can run it and take it now."""
        cluster = self.inv.node_cluster[g.target]
        best: tuple[int, int] | None = None
        for n in (int(m) for m in self.inv.nodes_of(cluster)):
            if n in g.at or n == g.target or (g.vlan and not self.inv.node_vlan[n]):
                continue
            if self.inv.node_lps[n] < g.vcpus or not self._fits(g, n):
                continue
            if best is None or self._free_mb(n) > best[0]:
                best = (self._free_mb(n), n)
        return None if best is None else best[1]

    def _break_cycle(self) -> None:
        """Hop the best candidate that can hop (among those freeing enough room, if any
        does), else park the best one."""
        options = [c for n in range(self.inv.n_nodes) if (c := self._cached(n)) is not None]
        if not options:
            raise ValueError("no move fits and none can be parked: the plan exceeds its nodes")
        options.sort(key=lambda c: c[0])
        roomiest: dict[int, int] = {}  # cluster -> the most free memory of any of its nodes
        for n in range(self.inv.n_nodes):
            cluster = int(self.inv.node_cluster[n])
            roomiest[cluster] = max(roomiest.get(cluster, 0), self._free_mb(n))
        for key, g in options[:HOP_TRIES]:
            if key[0] > options[0][0][0]:
                break
            cluster = int(self.inv.node_cluster[g.target])
            can_hop = not g.hopped and g.load[0] <= roomiest[cluster]
            hop = self._hop_node(g) if can_hop else None
            if hop is not None:
                g.hopped = True
                self._move(g, hop)
                return
        g = options[0][1]
        tier, i = g.slot
        self.incoming[g.target][tier].remove(i)
        self.changed[g.target] += 1
        self._move(g, g.target, parked=True)

    def run(self) -> tuple[Move, ...]:
        self._settle()
        while self.pending:
            self._break_cycle()
            self._settle()
        self._resume_the_rest()
        return tuple(self._as_move(step, row) for step, row in enumerate(self.rows, start=1))

    def _resume_the_rest(self) -> None:
        for n, waiting in enumerate(self.parked):
            for g in waiting:
                if g.parked_row >= len(self.rows) - 1 or not self._fits(g, n):
                    raise ValueError(f"group {g.name!r} cannot resume: the plan exceeds its nodes")
                self.rows[g.parked_row].resume_step = len(self.rows)
                self._start(g, n)
            self.parked[n] = []

    def _as_move(self, step: int, row: _Row) -> Move:
        g = row.group
        return Move(
            step, g.name, g.vms, row.source, row.target, g.live, row.parked, row.resume_step
        )
