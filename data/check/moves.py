"""Replay a move order (moves.csv) from today's placement and judge every step.

The semantics are data/moves.py's; this module reads them on its own, sharing no
code with the sequencer (solver/sequencing.py) whose output it judges.
- The start: a VM runs on its vms.node; a VM of an exclusive LUN without one runs
  where most of that LUN's VMs naming a node run (ties: the lowest node index), else
  on luns.node; otherwise it is not running, and starts on its planned node after the
  last step.
- A step: the group's VMs leave whatever node each runs on and, unless parked, start
  on `to`; then the parked groups whose resume_step is this step start on their `to`.
  Both moments are judged: a node within its limits before stays within them, and a
  node over them (as it may be at the start) gains no memory, CPU or res_x at all.
- A row must move one whole group (all VMs of an exclusive LUN, or one VM on a shared
  LUN) of the plan, by its kind (quick or live), from a node one of its VMs runs on,
  to a node that can run it; after the last step every group runs on its planned node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from data.check.checker import Violation
from data.check.loads import capacity_columns, node_limits, vm_loads
from data.inventory import Inventory
from data.moves import Move
from data.plan import Plan
from data.rules import Rule

NOT_RUNNING = -1
PARKED = -2


def check_moves(inventory: Inventory, plan: Plan, moves: Sequence[Move]) -> list[Violation]:
    """Every way `moves` breaks the replay rules, in step order; [] for a safe order."""
    replay = _Replay(inventory, plan)
    found: list[Violation] = []
    for step, move in enumerate(moves, start=1):
        found += replay.step(step, move)
    found += replay.finish(len(moves))
    return found


class _Replay:
    """The replay state. Loads are kept as Python ints per node: a step touches two or
    three nodes of two or three columns, where numpy's per-call cost would dominate."""

    def __init__(self, inventory: Inventory, plan: Plan) -> None:
        self.inv, self.plan = inventory, plan
        self.n_vms, self.n_nodes, self.n_luns = inventory.n_vms, inventory.n_nodes, inventory.n_luns
        self.loads: list[list[int]] = vm_loads(inventory).tolist()
        self.limits: list[list[int]] = node_limits(inventory).tolist()
        self.labels = [label for _, label in capacity_columns(inventory)]
        self.vm_lun: list[int] = plan.vm_lun.tolist()
        self.lun_shared: list[bool] = inventory.lun_shared.tolist()
        self.columns: tuple[dict[str, list[Any]], dict[str, list[Any]]] = (
            {
                "cluster": inventory.vm_cluster.tolist(),
                "vlan": inventory.vm_vlan.tolist(),
                "vcpus": inventory.vm_vcpus.tolist(),
            },
            {
                "cluster": inventory.node_cluster.tolist(),
                "vlan": inventory.node_vlan.tolist(),
                "lps": inventory.node_lps.tolist(),
            },
        )  # the columns a row's target is judged by, as Python values (read per step)
        self.groups: dict[tuple[str, str], list[int]] = {}
        for v in range(inventory.n_vms):
            self.groups.setdefault(self._key(v), []).append(v)
        self.pos = self._start()
        width = len(self.labels)
        self.used = [[0] * width for _ in range(inventory.n_nodes)]
        for v, n in enumerate(self.pos):
            if n >= 0:
                self._add(n, v, 1)
        self.resumes: dict[int, list[tuple[Move, int]]] = {}  # step -> (parking row, its step)

    def _key(self, v: int) -> tuple[str, str]:
        """(kind, name) of v's group: a LUN and a VM may share a name, their groups may not."""
        lun = self.vm_lun[v]
        if 0 <= lun < self.n_luns and not self.lun_shared[lun]:
            return "lun", self.inv.lun_names[lun]
        return "vm", self.inv.vm_names[v]

    def _add(self, n: int, v: int, sign: int) -> None:
        """VM v starts (sign 1) or stops (-1) on node n."""
        used = self.used[n]
        for c, amount in enumerate(self.loads[v]):
            used[c] += sign * amount

    def _exclusive(self, vms: list[int]) -> bool:
        lun = self.vm_lun[vms[0]]
        return 0 <= lun < self.n_luns and not self.lun_shared[lun]

    def _start(self) -> list[int]:
        pos: list[int] = self.inv.vm_node.tolist()
        for vms in self.groups.values():
            if not self._exclusive(vms):
                continue
            if len(vms) == 1:  # most LUNs: the VM's own node, else the LUN's
                if pos[vms[0]] < 0:
                    pos[vms[0]] = int(self.inv.lun_node[self.vm_lun[vms[0]]])
                continue
            named = Counter(pos[v] for v in vms if pos[v] >= 0)
            if named:
                most = max(named.values())
                node = min(n for n, count in named.items() if count == most)
            else:
                node = int(self.inv.lun_node[self.vm_lun[vms[0]]])
            for v in vms:
                if pos[v] < 0:
                    pos[v] = node
        return pos

    def _name(self, n: int) -> str:
        return self.inv.node_names[n] if 0 <= n < self.n_nodes else f"#{n}"

    # one step -----------------------------------------------------------------------

    def step(self, step: int, move: Move) -> list[Violation]:
        problem = self._row_problem(step, move)
        if problem:
            return [Violation(Rule.MOVE_ORDER, f"step {step}", (), problem)]
        what = f"{move.group!r} {self._name(move.source)} -> {self._name(move.target)}"
        before = self._loads_of({self.pos[v] for v in move.vms} | {move.target})
        for v in move.vms:
            if self.pos[v] >= 0:
                self._add(self.pos[v], v, -1)
            self.pos[v] = PARKED if move.parked else move.target
            if not move.parked:
                self._add(move.target, v, 1)
        if move.parked:
            assert move.resume_step is not None  # Move guarantees it
            self.resumes.setdefault(move.resume_step, []).append((move, step))
            what += f" (parked until step {move.resume_step})"
        found = self._judge(f"step {step}", before, what)
        resumed = self.resumes.pop(step, [])
        if not resumed:
            return found
        before = self._loads_of({parked.target for parked, _ in resumed})
        for parked, _ in resumed:
            for v in parked.vms:
                self.pos[v] = parked.target
                self._add(parked.target, v, 1)
        return found + self._judge(f"step {step}", before, "resuming the groups parked until it")

    def _row_problem(self, step: int, move: Move) -> str:
        """Why this row cannot be replayed at all ('' when it can)."""
        if move.step != step:
            return f"numbered {move.step}; steps count 1, 2, ... in order"
        if not move.vms or not all(0 <= v < self.n_vms for v in move.vms):
            return "names no VM of the inventory"
        key = self._key(move.vms[0])
        members = self.groups[key]
        if move.group != key[1]:
            first = self.inv.vm_names[move.vms[0]]
            return f"group {move.group!r}: {first!r} belongs to {key[0]} {key[1]!r}"
        strangers = [self.inv.vm_names[v] for v in move.vms if v not in members]
        if strangers:
            return f"moves {', '.join(strangers)} with {move.group!r}, to which they do not belong"
        if sorted(move.vms) != members:
            missing = [self.inv.vm_names[v] for v in members if v not in move.vms]
            return f"moves {move.group!r} without {', '.join(missing)}: a group moves whole"
        if move.live == self._exclusive(members):
            kind = "quick (an exclusive LUN)" if move.live else "live (a VM on a shared LUN)"
            return f"{move.group!r} moves by {kind} migration, not {move.migration}"
        if not any(self.pos[v] == move.source for v in members):
            return f"from {self._name(move.source)}, where {move.group!r} is not running"
        return self._target_problem(move, members)

    def _target_problem(self, move: Move, members: list[int]) -> str:
        n = move.target
        if not 0 <= n < self.n_nodes:
            return f"to {self._name(n)}, which is not a node"
        vm, node = self.columns
        if any(vm["cluster"][v] != node["cluster"][n] for v in members):
            return f"to {self._name(n)}, a node of another cluster"
        if any(vm["vlan"][v] for v in members) and not node["vlan"][n]:
            return f"to {self._name(n)}, which has no VLAN tagging"
        if any(vm["vcpus"][v] > node["lps"][n] for v in members):
            return f"to {self._name(n)}, which has fewer logical processors than a VM's vCPUs"
        return ""

    def _loads_of(self, nodes: set[int]) -> dict[int, list[int]]:
        """The loads of these nodes (the only ones a step changes), ascending, before it."""
        return {n: list(self.used[n]) for n in sorted(nodes) if 0 <= n < self.n_nodes}

    def _judge(self, subject: str, before: dict[int, list[int]], what: str) -> list[Violation]:
        """Of the nodes in `before`: those within their limits then that are over them now,
        and those over them then that gained load."""
        found = []
        for n, was in before.items():
            used, limit = self.used[n], self.limits[n]
            if all(w <= cap for w, cap in zip(was, limit, strict=True)):  # within before
                over = [c for c, (u, cap) in enumerate(zip(used, limit, strict=True)) if u > cap]
                if not over:
                    continue
                detail = f"node {self._name(n)!r} over its limits ({self._amounts(n, over)})"
            else:
                gained = [c for c, (u, w) in enumerate(zip(used, was, strict=True)) if u > w]
                if not gained:
                    continue
                detail = (
                    f"node {self._name(n)!r}, over its limits, gains load "
                    f"({self._amounts(n, gained)})"
                )
            found.append(Violation(Rule.MOVE_ORDER, subject, (), f"{detail} after {what}"))
        return found

    def _amounts(self, n: int, columns: Iterable[int]) -> str:
        return ", ".join(
            f"{self.labels[c]} {self.used[n][c]} used > {self.limits[n][c]}" for c in columns
        )

    # the end ------------------------------------------------------------------------

    def finish(self, last: int) -> list[Violation]:
        found = []
        for step, rows in sorted(self.resumes.items()):
            for move, parked_at in rows:
                detail = f"parked at step {parked_at}, never resumed (resume_step {step} > {last})"
                found.append(Violation(Rule.MOVE_ORDER, f"group {move.group!r}", (), detail))
        planned: list[int] = self.plan.vm_node.tolist()
        before = self._loads_of({planned[v] for v, n in enumerate(self.pos) if n == NOT_RUNNING})
        for v, n in enumerate(self.pos):
            if n == NOT_RUNNING and 0 <= planned[v] < self.n_nodes:
                self.pos[v] = planned[v]
                self._add(planned[v], v, 1)
        found += self._judge("after the last step", before, "starting the VMs not running")
        for (_, name), vms in self.groups.items():
            ends = sorted(
                {self.pos[v] for v in vms if self.pos[v] >= 0 and self.pos[v] != planned[v]}
            )
            if ends:
                where = ", ".join(self._name(n) for n in ends)
                detail = f"ends on {where}, planned {self._name(planned[vms[0]])}"
                found.append(Violation(Rule.MOVE_ORDER, f"group {name!r}", (), detail))
        return found
