"""quasi in the Python data ecosystem: fsspec's compressions and shutil's archives.

``register_fsspec()``: ``fsspec.open("x.qz", compression="quasi")`` (or ``"infer"``)
and what is built on fsspec (``dask.bag.read_text("*.qz")``, pandas' readers) read and
write .qz files. fsspec has no entry point for compressions: importing quasi calls this
when fsspec is already imported; otherwise call it (a Dask worker calls it where it
imports quasi).

``register_shutil()``: ``shutil.make_archive(base, "qztar", root)`` writes
``base.tar.qz`` and ``shutil.unpack_archive("x.tar.qz", dest)`` reads it (as
``tar -I quasi`` does).
"""
import os
import tarfile

from .file import QuasiFile

__all__ = ["register_fsspec", "register_shutil"]


def _fsspec_open(infile, mode="rb", **kwargs):
    """fsspec's compression callback: the .qz stream of ``infile`` as a file."""
    return QuasiFile(infile, mode, **kwargs)


def register_fsspec() -> None:
    """Make "quasi" (files ending in .qz) one of fsspec's compressions."""
    from fsspec.compression import compr, register_compression

    if compr.get("quasi") is not _fsspec_open:
        register_compression("quasi", _fsspec_open, "qz", force=True)


def _make_tarball(base_name, base_dir, verbose=0, dry_run=0, owner=None, group=None,
                  logger=None):
    """shutil's archiver for "qztar": ``base_dir`` as ``base_name + ".tar.qz"``."""
    archive = base_name + ".tar.qz"
    if logger is not None:
        logger.info("creating %s from %s", archive, base_dir)
    if dry_run:
        return archive
    os.makedirs(os.path.dirname(archive) or ".", exist_ok=True)

    uid, gid = _user_id(owner), _group_id(group)

    def owned(info):   # as shutil's own tar formats do
        if uid is not None:
            info.uid, info.uname = uid, owner
        if gid is not None:
            info.gid, info.gname = gid, group
        return info

    with QuasiFile(archive, "wb") as out, tarfile.open(fileobj=out, mode="w|") as tar:
        tar.add(base_dir, filter=owned)
    return archive


def _user_id(name):
    try:
        import pwd
        return None if name is None else pwd.getpwnam(name).pw_uid
    except (ImportError, KeyError):
        return None


def _group_id(name):
    try:
        import grp
        return None if name is None else grp.getgrnam(name).gr_gid
    except (ImportError, KeyError):
        return None


def _unpack_tarball(filename, extract_dir, **kwargs):
    """shutil's unpacker for .tar.qz, with tarfile's "data" filter unless shutil
    passes another (Python versions that have filters)."""
    extract = {}
    if hasattr(tarfile, "data_filter"):
        extract["filter"] = kwargs.get("filter") or "data"
    with QuasiFile(filename, "rb") as src, tarfile.open(fileobj=src, mode="r|") as tar:
        tar.extractall(extract_dir, **extract)


def register_shutil() -> None:
    """Register the "qztar" archive format and the .tar.qz unpack format with shutil."""
    import shutil

    if "qztar" not in dict(shutil.get_archive_formats()):
        shutil.register_archive_format("qztar", _make_tarball,
                                       description="tar file compressed by quasi")
    if "qztar" not in {name for name, _exts, _desc in shutil.get_unpack_formats()}:
        shutil.register_unpack_format("qztar", [".tar.qz", ".tqz"], _unpack_tarball,
                                      description="tar file compressed by quasi")
