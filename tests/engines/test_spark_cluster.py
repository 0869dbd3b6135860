"""A real Spark standalone cluster: a master and two workers started here, cleaning through
``spark://``, must write the local engine's tables byte for byte.

The cluster is started by the fixture below (``spark-class`` from PySpark's own
distribution, one core and 1 GB per worker) and stopped after the module. The runs are real
``cleaner clean`` subprocesses, so each is a fresh driver that connects to the master rather
than reusing a test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cleaner.schemas import OUTPUT_TABLES
from tests.conftest import SAMPLES, syndicated_corpus

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="a Spark cluster needs Java 17+ (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(log: Path, phrase: str, process: subprocess.Popen[bytes], seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and phrase in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    raise RuntimeError(f"the Spark process did not say {phrase!r}: {log.read_text(errors='replace')[-2000:] if log.exists() else ''}")


@pytest.fixture(scope="module")
def spark_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pyspark = pytest.importorskip("pyspark")
    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    logs = tmp_path_factory.mktemp("spark-cluster")
    environment = {**os.environ, "SPARK_HOME": str(spark_class.parent.parent), "SPARK_LOCAL_IP": "127.0.0.1",
                   "PYSPARK_PYTHON": sys.executable}
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []

    def start(log: Path, *arguments: str) -> subprocess.Popen[bytes]:
        with open(log, "wb") as handle:
            process = subprocess.Popen([str(spark_class), *arguments], stdout=handle, stderr=subprocess.STDOUT, env=environment)
        processes.append(process)
        return process

    try:
        master = start(logs / "master.log", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                       "--webui-port", str(_free_port()))
        _wait_for(logs / "master.log", "I have been elected leader", master)
        for worker in (1, 2):
            log = logs / f"worker-{worker}.log"
            process = start(log, "org.apache.spark.deploy.worker.Worker", url, "--cores", "1", "--memory", "1g",
                            "--webui-port", str(_free_port()), "--work-dir", str(logs / f"work-{worker}"))
            _wait_for(log, "Successfully registered with master", process)
        yield url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _clean(inputs: Path, out: Path, *options: str) -> None:
    command = [sys.executable, "-m", "cleaner", "clean", str(inputs), "-o", str(out), "-q", *options]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900, env={**os.environ, "PYSPARK_PYTHON": sys.executable})
    assert result.returncode == 0, result.stderr[-3000:]


def _same_bytes(local: Path, cluster: Path) -> None:
    for name in OUTPUT_TABLES:
        assert (cluster / f"{name}.parquet").read_bytes() == (local / f"{name}.parquet").read_bytes(), name


def test_samples_on_a_standalone_cluster_are_the_local_engines_bytes(tmp_path: Path, spark_master: str) -> None:
    _clean(SAMPLES, tmp_path / "local", "--workers", "2")
    _clean(SAMPLES, tmp_path / "cluster", "--engine", "spark", "--spark-master", spark_master, "--work-dir", str(tmp_path / "work"))
    _same_bytes(tmp_path / "local", tmp_path / "cluster")




def test_a_generated_corpus_on_a_standalone_cluster_is_the_local_engines_bytes(tmp_path: Path, spark_master: str) -> None:
    paragraphs = int(os.environ.get("CLEANER_CLUSTER_TEST_PARAGRAPHS", "200000"))
    corpus = syndicated_corpus(tmp_path / "corpus.jsonl", paragraphs)
    _clean(corpus, tmp_path / "local", "--no-strip", "--workers", "2")
    _clean(corpus, tmp_path / "cluster", "--no-strip", "--engine", "spark", "--spark-master", spark_master,
           "--work-dir", str(tmp_path / "work"))
    _same_bytes(tmp_path / "local", tmp_path / "cluster")
    import polars as pl

    matches = pl.read_parquet(tmp_path / "cluster" / "paragraphs.parquet")["match"].value_counts()
    assert set(matches["match"]) >= {"canonical", "exact", "near", "contained"}
