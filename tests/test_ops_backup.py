"""`zerocity backup`, `backup verify` and `restore`: the drill on the Kranj demo (SQLite here,
PostgreSQL in the suite's second run), and every kind of damaged archive refused before
anything is written."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from drill import figures, open_tenders
from ops_support import empty_database, environment, zerocity
from zerocity.cli import main
from zerocity.ops import archive

# serialized_rollback: a transactional test empties the tables at its end; the reference data
# the migrations seed (the GPC table, content types) comes back for the tests after it
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("in_english")]
DRILL = str(Path(__file__).parent / "drill.py")


def _in(env: dict[str, str], *args: str, stdin: str | None = None) -> dict:  # type: ignore[type-arg]
    import subprocess

    done = subprocess.run([sys.executable, DRILL, *args], env=env, text=True,
                          capture_output=True, input=stdin, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_kranj_demo_backed_up_and_restored_elsewhere_has_the_same_figures_and_sealed_tenders(
        kranj_data, tmp_path):
    from zerocity.food.demo import opener_passphrase

    out = tmp_path / "kranj.tar"
    taken = CliRunner().invoke(main, ["backup", "--out", str(out)])
    assert taken.exit_code == 0, taken.output
    assert out.stat().st_mode & 0o777 == 0o600  # it holds the secret key
    verified = CliRunner().invoke(main, ["backup", "verify", str(out)])
    assert verified.exit_code == 0 and "whole;" in verified.output
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names[-1] == "manifest.json" and "secret_key" in names and "tenders.json" in names
    assert not any("passphrase" in n or "credentials" in n for n in names)
    assert any(n.startswith("data/readings/") for n in names)

    before = figures("kranj")
    assert before["ledger"][0] is True and before["readings"] > 0 and before["tenders"]
    target_dir = tmp_path / "restored"
    with empty_database(tmp_path) as url:
        env = environment(url, target_dir)
        restored = zerocity("restore", str(out), env=env)
        assert "restored:" in restored.stdout
        after = _in(env, "figures", "kranj")
        assert after == json.loads(json.dumps(before))
        assert (target_dir / "secret_key").stat().st_mode & 0o777 == 0o600

        again = zerocity("restore", str(out), env=env, check=False)
        # the command line speaks the site's default language, Slovenian
        assert again.returncode == 1
        assert "Podatkovna baza že vsebuje tabele" in again.stderr, again.stderr

        phrases = {name: opener_passphrase(name) for name in ("ana.staff", "marko.admin")}
        opened_there = _in(env, "open", "kranj", stdin=json.dumps(phrases))
    assert opened_there["wrong"] == "refused"
    assert set(opened_there["after_one"]) == {"sealed"}
    assert set(opened_there["after_two"]) == {"opened"}
    # the original opens to the very same tenders
    assert open_tenders("kranj", phrases) == opened_there


def _tar(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def good(city, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    from zerocity.ops.backup import take

    return take(tmp_path / "good.tar").path


def _refused(path: Path) -> str:
    with pytest.raises(archive.DamagedArchive) as refused:
        archive.read(path)
    return str(refused.value)


def test_a_truncated_archive_is_refused(good, tmp_path):
    raw = good.read_bytes()
    # half-way through the database; inside the manifest; just before the manifest
    in_manifest = raw.rindex(b'"format"')
    before_manifest = raw.rindex(b"manifest.json") - 200
    for cut in (len(raw) // 2, in_manifest, before_manifest):
        bad = tmp_path / f"cut-{cut}.tar"
        bad.write_bytes(raw[:cut])
        message = _refused(bad)
        assert "cut short" in message or "no manifest" in message, message


def test_a_file_whose_checksum_differs_from_the_manifest_is_refused(good, tmp_path):
    with tarfile.open(good) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]
    members = [(n, b"another key" if n == "secret_key" else d) for n, d in members]
    bad = tmp_path / "bad.tar"
    bad.write_bytes(_tar(members))
    assert _refused(bad) == ("secret_key in the backup does not match its checksum in the "
                             "manifest: the archive is damaged.")


def test_a_missing_file_and_an_unlisted_file_are_refused(good, tmp_path):
    with tarfile.open(good) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]
    missing = tmp_path / "missing.tar"
    missing.write_bytes(_tar([m for m in members if m[0] != "tenders.json"]))
    assert _refused(missing) == "The backup lacks tenders.json, which its manifest lists."
    extra = tmp_path / "extra.tar"
    extra.write_bytes(_tar([("data/readings/planted.parquet", b"x"), *members]))
    assert _refused(extra) == ("The backup holds data/readings/planted.parquet, which its "
                               "manifest does not list.")
    escape = tmp_path / "escape.tar"
    escape.write_bytes(_tar([("data/../../etc/passwd", b"x"), *members]))
    assert "unexpected member" in _refused(escape)


def test_something_that_is_not_a_backup_is_refused_and_verify_exits_1(tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"PK\x03\x04 not a tar file at all" * 100)
    assert "cut short or is not a backup archive" in _refused(junk)
    result = CliRunner().invoke(main, ["backup", "verify", str(junk)])
    assert result.exit_code == 1 and "error:" in result.output


def test_restore_refuses_a_damaged_archive_before_writing_anything(good, tmp_path):
    raw = good.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(raw[: len(raw) // 2])
    target = tmp_path / "target"
    with empty_database(tmp_path) as url:
        done = zerocity("restore", str(cut), env=environment(url, target), check=False)
    assert done.returncode == 1
    assert sorted(p.name for p in target.iterdir()) <= ["secret_key", "static",
                                                         "zerocity.sqlite3"]
    assert not (target / "readings").exists()


def test_backup_without_out_or_verify_is_a_usage_error():
    result = CliRunner().invoke(main, ["backup"])
    assert result.exit_code == 2 and "--out FILE" in result.output


def test_the_backup_leaves_out_readings_of_batches_committed_after_its_snapshot(
        city, tmp_path):
    from zerocity.data.store import readings_dir
    from zerocity.ops.backup import _readings_to_copy

    root = readings_dir()
    part = root / "source=x" / "year=2024" / "month=01"
    part.mkdir(parents=True, exist_ok=True)
    for name in ("0-1.parquet", "7-1.parquet", ".8-1.testville.parquet.tmp",
                 ".9-1.testville.parquet.tmp"):
        (part / name).write_bytes(b"p")
    try:
        chosen = {rel for rel, _ in _readings_to_copy(
            root, {7, 8}, {"source=x/year=2024/month=01/7-1.parquet",
                           "source=x/year=2024/month=01/8-1.parquet"})}
    finally:
        import shutil

        shutil.rmtree(root / "source=x")
    # generated (batch 0), committed (7), committed but not yet renamed (8); not 9 (never
    # committed in the snapshot)
    assert chosen >= {"source=x/year=2024/month=01/0-1.parquet",
                      "source=x/year=2024/month=01/7-1.parquet",
                      "source=x/year=2024/month=01/8-1.parquet"}
    assert not any("9-1" in c for c in chosen)

