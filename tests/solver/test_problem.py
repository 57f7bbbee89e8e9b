"""One cluster's problem: its local node indices."""

from __future__ import annotations

from solver.problem import cluster_problem


def test_cluster_problem_local_node_maps_global_to_local(two_clusters) -> None:
    # "west" holds hv4 and hv5, global nodes 3 and 4: locally 0 and 1.
    west = cluster_problem(two_clusters, two_clusters.clusters.index("west"), 1)
    assert west.local_node == {3: 0, 4: 1}
    assert [west.local_node[int(g)] for g in west.nodes] == [0, 1]
