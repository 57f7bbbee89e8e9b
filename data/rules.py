"""The planning vocabulary shared by the solver and the checker: the rules, the
objectives, how per-cluster figures combine, and the unit of utilisation."""

from collections.abc import Iterable
from enum import StrEnum

PERMILLE = 1000  # utilisation U is memory used / capacity in thousandths, rounded up


class Rule(StrEnum):
    """One rule of ../shared/MODEL.md.

    The checker labels every violation with one of these; the solver can switch
    a family off (tests only) to show that its constraint matters.
    """

    ASSIGNMENT = "assignment"  # every VM is placed exactly once, on a known LUN
    LUN_FIXED = "lun-fixed"  # a VM that names a LUN stays on it
    LUN_EXCLUSIVITY = "lun-exclusivity"  # all VMs of an exclusive LUN share one owners list
    LUN_CAPACITY = "lun-capacity"  # disk of the VMs on a LUN fits its capacity
    OWNERS = "owners"  # k+1 distinct nodes of the group's cluster, first = node
    VLAN = "vlan"  # VLAN VMs only on VLAN-capable owners
    VCPU_FIT = "vcpu-fit"  # owners have at least as many logical processors as vCPUs
    MEMORY = "memory"  # memory + overhead within memory - reserve, under every failure set
    CPU = "cpu"  # vCPUs within floor(vcpu_per_lp * LPs), under every failure set
    RESOURCE = "resource"  # each res_<name> within the node's, under every failure set
    FAILOVER = "failover"  # solver switch: the capacity rules under failure sets other than {}
    ANTI_AFFINITY = "anti-affinity"  # VMs sharing a class on different nodes (no failure)
    MOVE_ORDER = "move-order"  # moves.csv: every step fits, groups move whole, end on the plan


class Objective(StrEnum):
    """The first criterion of MODEL.md's objectives (each has a fixed second one)."""

    BALANCE = "balance"  # min worst utilisation under any failure set; then moves
    NODES = "nodes"  # min nodes named in any owners list; then utilisation
    MOVES = "moves"  # min VMs whose node changes; then utilisation

    @property
    def criteria(self) -> tuple[str, ...]:
        """The names of its criteria in lexicographic order (MODEL.md "Objectives")."""
        if self is Objective.BALANCE:
            return ("U", "moves", "U exactly", "U with no failure")
        return ("nodes", "U") if self is Objective.NODES else ("moves", "U")

    def combine(self, per_cluster: Iterable[int]) -> int:
        """The inventory's figure from the clusters' ones: U is a maximum over all
        nodes, so the largest (0 without clusters); nodes used and moves add up."""
        values = list(per_cluster)
        return max(values, default=0) if self is Objective.BALANCE else sum(values)
