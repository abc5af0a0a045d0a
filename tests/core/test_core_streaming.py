"""Chunking along basket edges, reading ahead on a thread, and what the Parquet writer stores."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow.parquet as pq
import pytest
import uproot

from rootable.core import pipeline
from rootable.core.errors import Cancelled
from rootable.core.recipe import Recipe

EDGES = [0, 20, 40, 60, 80, 100]


@pytest.mark.parametrize(
    ("start", "stop", "step", "edges", "expected"),
    [
        # Chunks end on the last basket edge within the step: no basket is read twice.
        (0, None, 50, EDGES, [(0, 40), (40, 80), (80, 100)]),
        # Without edges, every step_size entries.
        (0, None, 50, [], [(0, 50), (50, 100)]),
        # An edge below half a step would make a small chunk, so the step wins.
        (0, None, 50, [0, 10, 100], [(0, 50), (50, 100)]),
        # An entry range that starts and stops between edges.
        (5, 95, 50, EDGES, [(5, 40), (40, 80), (80, 95)]),
        # A step smaller than the baskets: an edge at exactly half a step is not taken.
        (0, 30, 8, EDGES, [(0, 8), (8, 16), (16, 24), (24, 30)]),
    ],
)
def test_entry_ranges_end_on_basket_edges(start, stop, step, edges, expected):
    assert list(pipeline.entry_ranges(100, start, stop, step, edges)) == expected


@pytest.fixture(scope="module")
def three_baskets(tmp_path_factory):
    """A tree whose branches have baskets of 30 entries: each uproot extend writes one."""
    path = tmp_path_factory.mktemp("baskets") / "baskets.root"
    rng = np.random.default_rng(7)
    with uproot.recreate(path) as file:
        file.mktree("Events", {"x": np.float32, "n": np.int32})
        for _ in range(3):
            file["Events"].extend({"x": rng.normal(size=30).astype(np.float32), "n": rng.integers(0, 5, 30, dtype=np.int32)})
    return path


def test_chunks_follow_the_baskets_of_a_file(three_baskets):
    job = pipeline.prepare(Recipe(inputs=[str(three_baskets)], tree="Events", branches=["x", "n"], step_size=50))
    seen = []
    chunks = list(pipeline.iterate(job, progress=lambda done, total: seen.append((done, total))))

    assert [c.num_rows for c in chunks] == [30, 30, 30]
    assert seen == [(30, 90), (60, 90), (90, 90)]
    expected = uproot.open(three_baskets)["Events"].arrays(["x", "n"], library="np")
    np.testing.assert_array_equal(np.concatenate([c.columns["x"] for c in chunks]), expected["x"])
    np.testing.assert_array_equal(np.concatenate([c.columns["n"] for c in chunks]), expected["n"])


def test_read_ahead_gives_the_same_chunks(data_dir):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], tree="Events", branches=["Jet_pt", "MET_pt"], depth=3, step_size=7)
    job = pipeline.prepare(recipe)
    plain = list(pipeline.iterate(job, share_handle=False))
    ahead = list(pipeline.iterate(job, share_handle=False, read_ahead=True))

    assert [c.num_rows for c in ahead] == [c.num_rows for c in plain] == [7, 7, 7, 7, 7, 5]
    for plain_chunk, ahead_chunk in zip(plain, ahead, strict=True):
        assert plain_chunk.columns.keys() == ahead_chunk.columns.keys()
        for name in plain_chunk.columns:
            np.testing.assert_array_equal(plain_chunk.columns[name], ahead_chunk.columns[name])


def test_read_ahead_raises_source_error():
    def source():
        yield from (1, 2, 3)
        raise ValueError("basket 4 is damaged")

    received = []
    with pytest.raises(ValueError, match="basket 4"), pipeline.ReadAhead(source()) as ahead:
        received.extend(ahead)
    assert received == [1, 2, 3]


def test_read_ahead_stops_reading_when_the_consumer_leaves():
    produced = []
    finished = threading.Event()

    def source():
        try:
            for item in range(1000):
                produced.append(item)
                yield item
        finally:
            finished.set()

    with pipeline.ReadAhead(source(), depth=1) as ahead:
        for item in ahead:
            if item == 2:
                break
    # The consumer took 3 items; the reader may hold one in the queue and one in hand.
    assert len(produced) <= 5
    assert not any(t.name == "rootable-reader" and t.is_alive() for t in threading.enumerate())


def test_cancel_stops_a_read_ahead_pass(data_dir):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], tree="Events", branches=["Jet_pt"], step_size=5)
    job = pipeline.prepare(recipe)
    chunks = []
    with pytest.raises(Cancelled):
        chunks.extend(pipeline.iterate(job, cancelled=lambda: len(chunks) >= 2, share_handle=False, read_ahead=True))
    assert len(chunks) == 2


def test_parquet_keeps_statistics_of_integer_columns_only(data_dir, tmp_path):
    recipe = Recipe(inputs=[str(data_dir / "nano_dy.root")], tree="Events", branches=["event", "nJet", "MET_pt"])
    path = tmp_path / "out.parquet"
    pipeline.export(pipeline.prepare(recipe), path)

    metadata = pq.ParquetFile(path).metadata
    columns = {metadata.schema.column(i).name: metadata.row_group(0).column(i) for i in range(metadata.num_columns)}
    events = uproot.open(data_dir / "nano_dy.root")["Events"]["event"].array(library="np")
    assert columns["event"].statistics.min == events.min()
    assert columns["event"].statistics.max == events.max()
    assert columns["nJet"].statistics is not None
    assert columns["MET_pt"].statistics is None


def test_csv_slices_match_one_call(tmp_path):
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    from rootable.core.writers import CsvWriter

    rng = np.random.default_rng(3)
    chunks = [
        {"pt": rng.exponential(30, size).astype(np.float32), "n": rng.integers(-1, 9, size, dtype=np.int32), "ok": rng.random(size) > 0.5}
        for size in (10_001, 4_999, 0, 3)
    ]
    schema = pa.schema([("pt", pa.float32()), ("n", pa.int32()), ("ok", pa.bool_())])
    writer = CsvWriter(tmp_path / "out.csv", schema)
    for chunk in chunks:
        writer.write(chunk)
    writer.commit()

    whole = pa.table({name: np.concatenate([c[name] for c in chunks]) for name in schema.names}, schema=schema)
    expected = io.BytesIO()
    pacsv.write_csv(whole, expected)
    assert (tmp_path / "out.csv").read_bytes() == expected.getvalue()
    assert writer.rows == 15_003


def test_csv_without_rows_has_its_header(tmp_path):
    import pyarrow as pa

    from rootable.core.writers import CsvWriter

    writer = CsvWriter(tmp_path / "empty.csv", pa.schema([("Jet_pt_0", pa.float32()), ("nJet", pa.int32())]))
    writer.commit()
    assert (tmp_path / "empty.csv").read_text() == '"Jet_pt_0","nJet"\n'


def test_catalog_pauses_the_collector_only_while_it_reads(data_dir, monkeypatch):
    import gc

    from rootable.core import catalog

    states = []
    walk = catalog._walk

    def recording_walk(*args, **kwargs):
        states.append(gc.isenabled())
        return walk(*args, **kwargs)

    monkeypatch.setattr(catalog, "_walk", recording_walk)
    assert gc.isenabled()
    catalog.open_catalog(data_dir / "nano_dy.root")
    assert states == [False]
    assert gc.isenabled()

    with pytest.raises(ValueError, match="inside"), catalog.paused_garbage_collection():
        raise ValueError("an error inside the walk")
    assert gc.isenabled()


def test_writer_setup_failure_leaves_no_file(tmp_path, monkeypatch):
    import pyarrow as pa

    from rootable.core import writers

    def interrupted_init(self, path, schema, metadata=None, options=None):
        # The base class creates the temporary file, then Ctrl+C arrives in the format's set-up.
        writers.Writer.__init__(self, path, schema, options)
        raise KeyboardInterrupt

    monkeypatch.setattr(writers.ParquetWriter, "__init__", interrupted_init)

    with pytest.raises(KeyboardInterrupt):
        writers.open_writer(tmp_path / "out.parquet", "parquet", pa.schema([("x", pa.float32())]))
    assert list(tmp_path.iterdir()) == []


def test_inputs_beyond_budget_are_closed_until_read(data_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "OPEN_BRANCH_BUDGET", 1)
    inputs = [str(data_dir / "nano_dy.root"), str(data_dir / "nano_dimuon.root"), str(data_dir / "nano_dy.root")]
    job = pipeline.prepare(Recipe(inputs=inputs, tree="Events", branches=["nJet", "Jet_pt", "MET_pt"], depth=2, step_size=15))

    readers = pipeline._open_readers(job, share_handle=False, limit=None)
    assert readers[0].tree is not None
    assert [reader.tree for reader in readers[1:]] == [None, None]
    assert [reader.num_entries for reader in readers] == [40, 40, 40]

    pipeline.export(job, tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    expected = np.concatenate([uproot.open(path)["Events"]["MET_pt"].array(library="np") for path in inputs])
    np.testing.assert_array_equal(table.column("MET_pt").to_numpy(), expected)


def test_released_input_leaves_no_cyclic_garbage(data_dir):
    import gc

    job = pipeline.prepare(Recipe(inputs=[str(data_dir / "nano_dy.root")], tree="Events", branches=["MET_pt"]))
    reader = pipeline._TreeReader(str(data_dir / "nano_dy.root"), job, share_handle=False)
    gc.collect()
    gc.disable()
    try:
        reader.release()
        # Without breaking the reference cycles, the 1,499-branch metadata left 67,896
        # objects for the cyclic collector.
        assert gc.collect() < 1_000
    finally:
        gc.enable()
    assert reader.tree is None
    assert reader.read(0, 5)["MET_pt"].tolist() == uproot.open(data_dir / "nano_dy.root")["Events"]["MET_pt"].array(entry_stop=5).tolist()
