"""quasi in the data ecosystem: fsspec's compressions (and dask.bag through them),
shutil's archive formats and numcodecs' codecs."""
import shutil
import subprocess
import sys

import pytest

import quasi

from conftest import word_soup

TEXT = word_soup(3000, seed=41)


def test_fsspec_reads_and_writes_qz_by_name_and_by_suffix():
    fsspec = pytest.importorskip("fsspec")
    quasi.register_fsspec()
    quasi.register_fsspec()                       # twice is fine
    with fsspec.open("memory://hooks/a.txt.qz", "wb", compression="quasi") as f:
        f.write(TEXT)
    raw = fsspec.open("memory://hooks/a.txt.qz", "rb").open().read()
    assert quasi.decompress(raw) == TEXT
    with fsspec.open("memory://hooks/a.txt.qz", "rt", compression="infer") as f:
        assert f.read() == TEXT.decode()


def test_dask_bag_reads_qz_files(tmp_path):
    bag = pytest.importorskip("dask.bag")
    quasi.register_fsspec()
    lines = [f"line {i} of {name}\n" for name in "ab" for i in range(50)]
    for name in "ab":
        (tmp_path / f"{name}.txt.qz").write_bytes(
            quasi.compress("".join(x for x in lines if x.endswith(f"{name}\n")).encode()))
    read = bag.read_text(str(tmp_path / "*.txt.qz"), compression="infer")
    assert sorted(read.compute(scheduler="sync")) == sorted(lines)


def test_numcodecs_finds_the_quasi_codec_by_id():
    numcodecs = pytest.importorskip("numcodecs")
    np = pytest.importorskip("numpy")
    codec = numcodecs.get_codec({"id": "quasi", "level": 1})
    assert codec.get_config() == {"id": "quasi", "level": 1}
    data = np.frombuffer(TEXT[:4000], dtype="<u8").reshape(50, 10)   # 2-D, 8-byte items
    packed = codec.encode(data)
    assert quasi.decompress(packed) == data.tobytes()
    assert bytes(codec.decode(packed)) == data.tobytes()
    out = np.empty_like(data)
    codec.decode(packed, out=out)
    assert (out == data).all()
    assert numcodecs.get_codec({"id": "quasi"}).level is None
    with pytest.raises(quasi.QuasiError, match="level"):
        numcodecs.get_codec({"id": "quasi", "level": 12})


def test_importing_quasi_after_fsspec_registers_it():
    pytest.importorskip("fsspec")
    code = ("import fsspec, fsspec.compression as c, quasi; "
            "assert c.compr['quasi'] is quasi.hooks._fsspec_open")
    subprocess.run([sys.executable, "-c", code], check=True)
    code = ("import sys, quasi; assert not {'fsspec', 'dask', 'numcodecs'} & set(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shutil_makes_and_unpacks_tar_qz(tmp_path):
    quasi.register_shutil()
    quasi.register_shutil()
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(TEXT)
    (src / "sub" / "b.txt").write_bytes(TEXT[:500])
    archive = shutil.make_archive(str(tmp_path / "pack"), "qztar", root_dir=tmp_path,
                                  base_dir="src")
    assert archive.endswith("pack.tar.qz")
    with open(archive, "rb") as f:
        assert f.read(4) == b"\x9eQZ\r"            # a quasi stream around the tar
    shutil.unpack_archive(archive, tmp_path / "out")
    assert (tmp_path / "out" / "src" / "a.txt").read_bytes() == TEXT
    assert (tmp_path / "out" / "src" / "sub" / "b.txt").read_bytes() == TEXT[:500]


def test_shutil_archive_records_the_owner_asked_for(tmp_path):
    """owner= and group= name the members' owner, as shutil's own tar formats do."""
    import tarfile
    quasi.register_shutil()
    import os
    import pwd
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_bytes(TEXT[:100])
    me = pwd.getpwuid(os.getuid()).pw_name
    other = "root" if me != "root" else "nobody"    # a name the files do not have
    try:
        uid = pwd.getpwnam(other).pw_uid
    except KeyError:
        pytest.skip(f"no user {other!r} here")
    archive = shutil.make_archive(str(tmp_path / "pack"), "qztar", root_dir=tmp_path,
                                  base_dir="src", owner=other)
    with quasi.open(archive) as f, tarfile.open(fileobj=f, mode="r|") as tar:
        members = list(tar)
    assert members and all((m.uname, m.uid) == (other, uid) for m in members)
