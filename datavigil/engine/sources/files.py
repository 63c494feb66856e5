"""FileSource: Parquet or CSV files on a local disk (a template on the day, a glob, a directory,
one file or a Hive dataset) scanned by DuckDB in process; on object storage, see ``objects``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from datavigil.core import config
from datavigil.core.errors import SourceUnavailable, SuiteError, first_line
from datavigil.declare.suite import Partition
from datavigil.declare.window import Window
from datavigil.engine.sources.layout import file_format, hive_chosen, hive_select, replace_day
from datavigil.engine.sources.objects import remote_dataset, remote_times


@dataclass(frozen=True, slots=True)
class FileSource:
    """Parquet or CSV files (comma-separated, with a header row), scanned by DuckDB in
    process. ``path`` is one of:

    * a template on the partition's day: ``"{home}/data/flights/{date:%Y-%m-%d}.parquet"``;
    * one file, a glob (``data/*.parquet``) or a directory (every file of the format in it);
    * with ``partitioning="hive"``, a Hive dataset (``ds=2013-02-08/part-0.parquet``) whose
      key is the suite's ``partition`` column, selected inside the scan;
    * an object-storage URL (``s3://bucket/prefix``) read through pyarrow's filesystems;
      ``storage_options`` go to ``pyarrow.fs.S3FileSystem`` (endpoint_override, scheme, region,
      access_key, secret_key; credentials default to the AWS environment variables).

    A relative path is under DATAVIGIL_HOME. Without a ``{date}`` template the suite's
    ``partition`` (a timestamp, date or key column) selects the day; without either, the whole
    dataset is one partition.
    """

    path: str
    format: str = "auto"  # parquet | csv | auto (by extension)
    partitioning: str | None = None  # None | "hive"
    # credentials may be in here: never in a repr (logs, tracebacks, Airflow's rendering)
    storage_options: tuple[tuple[str, Any], ...] | dict[str, Any] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.storage_options, dict):
            object.__setattr__(self, "storage_options", tuple(sorted(self.storage_options.items())))

    def problems(self, partition: Partition | None) -> list[str]:
        out = []
        if not isinstance(self.path, str) or not self.path.strip():
            return ["FileSource path must be a non-empty string"]
        if self.format not in ("auto", "parquet", "csv"):
            out.append(f"FileSource format must be parquet, csv or auto, got '{self.format}'")
        if self.partitioning not in (None, "hive"):
            out.append(f"FileSource partitioning must be None or 'hive', got {self.partitioning!r}")
        if self.templated and partition is not None:
            out.append("FileSource selects the partition by its {date} template; drop partition=")
        if self.partitioning == "hive" and partition is None:
            out.append("a Hive dataset needs partition=Partition(column=<the partition key>)")
        return out

    @property
    def templated(self) -> bool:
        return "{date" in self.path or "{ds}" in self.path

    @property
    def remote(self) -> bool:
        return "://" in self.path and not self.path.startswith("file://")

    @property
    def label(self) -> str:
        return f"file '{self.path}'"

    def resolve(self, window: Window) -> Path:
        path = Path(config.expand(self.path).format(date=window.day, ds=window.day.isoformat()))
        return path if path.is_absolute() else config.home() / path

    def files(self, suite: str, window: Window | None) -> list[str]:
        """The local files of the scan (template days, glob, directory or one file)."""
        import glob

        if self.templated:
            if window is None:
                raise SuiteError(suite, "source", "a {date} template needs a partition day")
            days = [replace_day(window, d) for d in window.days]
            found = [f for w in days for f in _matches(self.resolve(w))]
            if not found:
                raise SourceUnavailable(f"suite '{suite}': file {self.resolve(window)} not found")
            return found
        base = Path(config.expand(self.path).removeprefix("file://"))  # a file:// URL too
        base = base if base.is_absolute() else config.home() / base
        if any(ch in str(base) for ch in "*?["):
            found = sorted(glob.glob(str(base), recursive=True))
            if not found:
                raise SourceUnavailable(f"suite '{suite}': glob {base} matches no file")
            return found
        if base.is_dir():
            return _directory_files(suite, base, self.format)
        if not base.is_file():
            raise SourceUnavailable(f"suite '{suite}': file {base} not found")
        return [str(base)]

    def file_times(self, suite: str, window: Window, partition: Any) -> dict[str, datetime]:
        """The partition's files, found as the read finds them (a template's days, a glob, a
        directory, one file; a Hive dataset's day keys; objects) -> modification time (UTC).
        No file is opened; none for the partition is an empty dict (freshness says so)."""
        if self.remote:
            return remote_times(self, suite, window, partition)
        try:
            files = self.files(suite, window)
        except SourceUnavailable:  # nothing matches: the partition is absent
            return {}
        if self.partitioning == "hive" and partition is not None:
            files = hive_chosen(files, partition.column, window)
        return {f: datetime.fromtimestamp(Path(f).stat().st_mtime, UTC) for f in files}

    def relation(self, con: Any, suite: str, window: Window | None, partition: Any) -> Any:
        """A DuckDB relation over the files (local: DuckDB's own readers; object storage:
        a pyarrow dataset that DuckDB scans with projection and filter push-down)."""
        if self.remote:
            return con.from_arrow(remote_dataset(self, suite, window, partition))
        files = self.files(suite, window)
        if self.partitioning == "hive" and window is not None and partition is not None:
            files = hive_select(suite, self.label, files, partition.column, window)
        empty = [f for f in files if Path(f).stat().st_size == 0]
        if empty:  # a zero-byte file is a broken write, not an empty partition
            raise SourceUnavailable(f"suite '{suite}': file {empty[0]} could not be read: empty")
        hive = self.partitioning == "hive"
        if (
            file_format(self.format, files[0]) == "csv"
        ):  # comma-separated with a header, as documented:
            # a sniffed dialect would read a ragged file as one text column instead of failing
            return con.read_csv(files, hive_partitioning=hive, sep=",", header=True)
        return con.read_parquet(files, hive_partitioning=hive)

    def column_types(self, suite: str, window: Window | None) -> dict[str, str]:
        import duckdb

        from datavigil.engine import reuse
        from datavigil.engine.dialects import duck_engine

        engine = duck_engine()
        try:
            with engine.connect() as conn:
                rel = self.relation(conn.connection.dbapi_connection, suite, window, None)
                return {n: str(t) for n, t in zip(rel.columns, rel.types, strict=True)}
        except (OSError, duckdb.Error) as exc:  # a corrupt file: DuckDB's error, not a crash
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label} could not be read: {first_line(exc)}"
            ) from None
        finally:
            reuse.dispose(engine)  # the run's shared DuckDB stays open (docs/adr/0141)


def _directory_files(suite: str, base: Path, fmt: str) -> list[str]:
    """The data files of a directory: of the format, or with "auto" the Parquet files if
    there are any, else the CSV files."""
    exts = {"parquet": [".parquet"], "csv": [".csv"]}.get(fmt, [".parquet", ".csv"])
    for ext in exts:
        found = sorted(str(p) for p in base.rglob(f"*{ext}") if p.is_file())
        if found:
            return found
    kinds = " or ".join(exts)
    raise SourceUnavailable(f"suite '{suite}': directory {base} holds no {kinds} file")


def _matches(path: Path) -> list[str]:
    """The files a template's day path names: itself, or what its glob matches."""
    import glob

    if any(ch in str(path) for ch in "*?["):
        return sorted(f for f in glob.glob(str(path), recursive=True) if Path(f).is_file())
    return [str(path)] if path.is_file() else []
