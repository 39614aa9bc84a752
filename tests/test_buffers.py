"""Reused memory of large batches: never handed out while any result, view or buffer uses it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import spmkit
from spmkit._evaluation import buffers

RS = spmkit.load_rule_set("kulon-progo-2011")
ROWS = 150_000  # every input copy and output block is over buffers.MIN_BYTES


def _data(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    denominator = rng.integers(1, 2000, ROWS)
    return {"bumil_k4": rng.integers(0, denominator + 1), "sasaran_bumil": denominator}


def _expected(data: dict[str, np.ndarray]) -> np.ndarray:
    return data["bumil_k4"] * 100 / data["sasaran_bumil"]


def _arrays(result: spmkit.BatchResult) -> list[np.ndarray]:
    i1 = result["I.1"]
    return [i1.value, i1.gap, i1.met, i1.status_code, i1.numerator, i1.denominator]


def test_live_results_never_share_memory_and_keep_their_values() -> None:
    buffers.release()
    datas = [_data(seed) for seed in range(4)]
    results = [spmkit.evaluate_batch(RS, data) for data in datas]
    for _ in range(3):  # more calls while the first four are alive
        spmkit.evaluate_batch(RS, _data(99))
    for result, data in zip(results, datas, strict=True):
        assert np.array_equal(result["I.1"].value, _expected(data))
        assert np.array_equal(result["I.1"].numerator, data["bumil_k4"])
    for a in range(len(results)):
        for b in range(a + 1, len(results)):
            for x in _arrays(results[a]):
                assert not any(np.shares_memory(x, y) for y in _arrays(results[b]))


def test_a_freed_result_is_reused_and_the_pool_stays_bounded() -> None:
    buffers.release()
    spmkit.evaluate_batch(RS, _data(1))
    kept = buffers.kept_bytes()
    assert kept > 0
    for seed in range(5):  # each result dropped at once: its blocks come back
        spmkit.evaluate_batch(RS, _data(seed))
    assert buffers.kept_bytes() == kept
    assert kept <= buffers.LIMIT
    buffers.release()
    assert buffers.kept_bytes() == 0


@pytest.mark.parametrize("hold", ["view", "memoryview", "slice", "strided"])
def test_a_view_or_buffer_taken_from_a_result_keeps_its_block(hold: str) -> None:
    buffers.release()  # the pool holds only this result's blocks: the next call wants them
    data = _data(7)
    result = spmkit.evaluate_batch(RS, data)
    value = result["I.1"].value
    truth = _expected(data)
    if hold == "view":
        held: object = np.asarray(value).view()
        expected = truth
    elif hold == "memoryview":
        held = memoryview(value)
        expected = truth
    elif hold == "slice":
        held = value[10:20]
        expected = truth[10:20]
    else:
        held = np.lib.stride_tricks.as_strided(value, shape=(5,), strides=(8,))
        expected = truth[:5]
    del result, value
    for seed in range(3):
        spmkit.evaluate_batch(RS, _data(100 + seed))
    now = np.asarray(held)
    assert np.array_equal(now, expected)


def test_threads_each_get_their_own_memory() -> None:
    problems: list[str] = []

    def work(seed: int) -> None:
        for round_ in range(5):
            data = _data(seed * 10 + round_)
            result = spmkit.evaluate_batch(RS, data)
            spmkit.evaluate_batch(RS, _data(1000 + seed))  # another call in between
            if not np.array_equal(result["I.1"].value, _expected(data)):
                problems.append(f"thread {seed} round {round_}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


def test_small_arrays_are_numpys_own() -> None:
    small = buffers.empty((10,))
    assert buffers.empty((10,)) is not small
    big = buffers.empty((buffers.MIN_BYTES // 8,))
    assert buffers.empty((buffers.MIN_BYTES // 8,)) is not big  # in use: another block
    del big
    again = buffers.empty((buffers.MIN_BYTES // 8,))
    assert again.flags.writeable


@pytest.mark.parametrize("library", ["pandas", "polars"])
@pytest.mark.parametrize("form", ["long", "wide"])
def test_data_frames_of_a_result_keep_their_values(library: str, form: str) -> None:
    """Frames may share a result's memory (zero-copy); a later call never writes into them."""
    pytest.importorskip(library)
    buffers.release()
    data = _data(8)
    result = spmkit.evaluate_batch(RS, data)
    frame = result.to_pandas(form) if library == "pandas" else result.to_polars(form)
    del result
    for seed in range(3):
        spmkit.evaluate_batch(RS, _data(200 + seed))
    if form == "wide":
        column = next(c for c in frame.columns if "I.1" in str(c) and "value" in str(c))
        values = np.asarray(frame[column], dtype=np.float64)
    elif library == "pandas":
        values = frame[frame["indicator"] == "I.1"]["value"].to_numpy(dtype=np.float64)
    else:
        values = frame.filter(frame["indicator"] == "I.1")["value"].to_numpy()
    assert np.array_equal(values, _expected(data))


@pytest.mark.parametrize(
    ("setting", "most"),
    [
        ("0", 0),
        ("8M", 8 << 20),
        ("3000000", 3_000_000),
        ("12X", buffers.LIMIT),
        ("", buffers.LIMIT),
    ],
)
def test_the_pool_is_bounded_by_spmkit_buffer_pool_bytes(monkeypatch, setting, most) -> None:
    """A service sets the bound; 0 keeps nothing, so a large call's memory goes with it."""
    monkeypatch.setenv("SPMKIT_BUFFER_POOL_BYTES", setting)
    assert buffers.limit() == most
    buffers.release()
    data = _data(3)
    result = spmkit.evaluate_batch(RS, data)
    assert np.array_equal(result["I.1"].value, _expected(data))
    del result
    spmkit.evaluate_batch(RS, _data(4))
    assert buffers.kept_bytes() <= most
    if most == buffers.LIMIT:
        assert buffers.kept_bytes() > 0  # the default keeps the blocks of 150,000 rows
    buffers.release()


def test_setting_zero_lets_kept_blocks_go_at_the_next_call(monkeypatch) -> None:
    buffers.release()
    spmkit.evaluate_batch(RS, _data(5))
    assert buffers.kept_bytes() > 0
    monkeypatch.setenv("SPMKIT_BUFFER_POOL_BYTES", "0")
    spmkit.evaluate_batch(RS, _data(6))
    assert buffers.kept_bytes() == 0
