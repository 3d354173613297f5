"""Replications on a real Dask LocalCluster give the figures of one process, replication for
replication: the seeds travel with the work, not with the worker."""

import dataclasses

import pytest

from smartgate.simulation import experiment, scenario

distributed = pytest.importorskip("dask.distributed", reason="pip install 'smartgate[cluster]'")


def test_a_local_cluster_gives_the_same_figures_as_one_process():
    base = dataclasses.replace(scenario.load("mong-cai-2022-04"), days=2)
    variants = experiment.sweep(base, lanes=[1, 2])
    alone = experiment.run_experiment(variants, 4, seed=7, executor=experiment.InlineExecutor())
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        spread = experiment.run_experiment(variants, 4, seed=7, executor=client.get_executor())
        assert len(client.scheduler_info()["workers"]) == 2
    for one, other in zip(alone, spread, strict=True):
        assert one.summaries == other.summaries
        assert one.profile == other.profile
