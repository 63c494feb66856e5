"""A FileSource on object storage (``s3://bucket/prefix``, any pyarrow filesystem): the objects
of the scan are listed (none is opened), the window's Hive partitions chosen from their keys, and
only those are opened as a pyarrow dataset that DuckDB scans with projection and filter push-down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from datavigil.core.errors import SourceUnavailable, SuiteError, first_line
from datavigil.declare.window import Window
from datavigil.engine.sources.layout import file_format, hive_chosen, hive_select

if TYPE_CHECKING:
    from datavigil.engine.sources.files import FileSource


def remote_dataset(source: FileSource, suite: str, window: Window | None, partition: Any) -> Any:
    """A pyarrow dataset over the objects of the scan: listed (no object is opened), the
    window's Hive partitions chosen from their keys, then opened, so the other days'
    objects are never fetched (not even for the schema)."""
    import pyarrow.dataset as ds

    fs, root = filesystem(source, suite)
    hive = source.partitioning == "hive"
    roots = remote_roots(source, suite, root, window)
    try:
        files = [f for r in roots for f in _object_files(fs, r)]
        if not files:
            why = _absent(fs, roots[0])
            raise SourceUnavailable(f"suite '{suite}': source {source.label} {why}")
        if hive and window is not None and partition is not None:
            files = hive_select(suite, source.label, files, partition.column, window)
        return ds.dataset(
            files, filesystem=fs, format=file_format(source.format, files[0]),
            partitioning=ds.partitioning(flavor="hive") if hive else None,
            partition_base_dir=None if source.templated else root,
        )  # fmt: skip
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise SourceUnavailable(
            f"suite '{suite}': source {source.label} could not be read: {first_line(exc)}"
        ) from None


def remote_roots(source: FileSource, suite: str, root: str, window: Window | None) -> list[str]:
    """The object paths of the scan: the root, or a {date} template's path per day."""
    if not source.templated:
        return [root]
    if window is None:
        raise SuiteError(suite, "source", "a {date} template needs a partition day")
    return [root.format(date=d, ds=d.isoformat()) for d in window.days]


def filesystem(source: FileSource, suite: str) -> tuple[Any, str]:
    """The pyarrow filesystem of the source's URL and the root path in it."""
    import pyarrow.fs as pafs

    scheme, _, rest = source.path.partition("://")
    options = dict(source.storage_options)
    if scheme == "s3":
        try:
            return pafs.S3FileSystem(**options), rest.rstrip("/")
        except TypeError as exc:
            raise SuiteError(suite, "source.storage_options", first_line(exc)) from None
    try:
        fs, root = pafs.FileSystem.from_uri(source.path)
    except (OSError, ValueError) as exc:
        raise SuiteError(suite, "source", f"unsupported storage URL: {first_line(exc)}") from None
    return fs, root


def _absent(fs: Any, root: str) -> str:
    """Why an object-storage path holds nothing: its bucket is missing, or the prefix is."""
    import pyarrow.fs as pafs

    bucket = root.split("/", 1)[0]
    if fs.get_file_info(bucket).type == pafs.FileType.NotFound:
        return f"could not be read: bucket '{bucket}' not found"
    return "holds no file"


def _object_files(fs: Any, root: str) -> list[str]:
    return [i.path for i in _object_infos(fs, root)]


def _object_infos(fs: Any, root: str) -> list[Any]:
    """The data objects under ``root`` (one object, or every object below the prefix except
    those named ``_*`` or ``.*``, as pyarrow's datasets do: _SUCCESS, _common_metadata), as
    pyarrow FileInfo sorted by path."""
    import pyarrow.fs as pafs

    info = fs.get_file_info(root)
    if info.type == pafs.FileType.File:
        return [info]
    if info.type == pafs.FileType.NotFound:
        return []
    found = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    return sorted(
        (
            i
            for i in found
            if i.type == pafs.FileType.File
            and not any(part.startswith(("_", ".")) for part in i.path[len(root) :].split("/"))
        ),
        key=lambda i: i.path,
    )


def remote_times(
    source: FileSource, suite: str, window: Window, partition: Any
) -> dict[str, datetime]:
    """The partition's objects, chosen as ``remote_dataset`` chooses them (none is opened) ->
    modification time (UTC). No object for the partition is an empty dict (freshness says the
    partition is absent); a store that cannot be listed or a missing bucket is
    SourceUnavailable."""
    fs, root = filesystem(source, suite)
    roots = remote_roots(source, suite, root, window)
    try:
        infos = {i.path: i for r in roots for i in _object_infos(fs, r)}
        why = "" if infos else _absent(fs, roots[0])
    except (OSError, ValueError) as exc:
        raise SourceUnavailable(
            f"suite '{suite}': source {source.label} could not be read: {first_line(exc)}"
        ) from None
    if why.startswith("could not be read"):
        raise SourceUnavailable(f"suite '{suite}': source {source.label} {why}")
    files = sorted(infos)
    if source.partitioning == "hive" and partition is not None:
        files = hive_chosen(files, partition.column, window)
    return {f: _utc(infos[f].mtime) for f in files}


def _utc(stamp: datetime) -> datetime:
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
