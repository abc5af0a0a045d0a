"""Streaming writers, one per output format, that never leave a half-written file behind.

Each writer receives the flat columns chunk by chunk and writes into a temporary file in the
output folder. ``commit`` renames it into place, and ``abort`` deletes it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from rootable.core.errors import OutputError, RecipeError

log = logging.getLogger(__name__)

#: Output format by file suffix (the last one, or ``.csv.gz``).
SUFFIX_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".feather": "feather",
    ".arrow": "feather",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".root": "root",
    ".npz": "numpy",
    ".npy": "numpy",
}


def format_for(path: str | os.PathLike[str], explicit: str = "") -> str:
    """Return the output format named by ``explicit``, or else by the path's suffix."""
    if explicit:
        if explicit not in WRITERS:
            raise RecipeError(f"invalid format {explicit!r}: expected one of {', '.join(sorted(WRITERS))}")
        return explicit
    name = Path(path).name.lower()
    for suffix in sorted(SUFFIX_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIX_FORMATS[suffix]
    known = ", ".join(sorted(SUFFIX_FORMATS))
    raise RecipeError(f"{path}: cannot tell the output format from the suffix; use one of {known}")


def arrow_schema(columns: Mapping[str, np.ndarray]) -> pa.Schema:
    """Return the Arrow schema of flat columns (object arrays are text)."""
    return pa.schema([(name, _arrow_type(values)) for name, values in columns.items()])


def _arrow_type(values: np.ndarray) -> pa.DataType:
    if values.dtype == object:
        return pa.string()
    return pa.from_numpy_dtype(values.dtype)


def arrow_table(columns: Mapping[str, np.ndarray], schema: pa.Schema) -> pa.Table:
    arrays = [arrow_array(columns[f.name], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def arrow_array(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """Wrap a flat NumPy column as an Arrow array without copying numbers.

    ``pa.array`` would do the same but imports pandas on first use (about 40 MB and up to a
    second), which a streaming export does not otherwise need.
    """
    if arrow_type == pa.string():
        return pa.array(values, type=arrow_type)
    if arrow_type == pa.bool_():
        bits = np.packbits(values.astype(np.bool_, copy=False), bitorder="little")
        return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(bits)])
    # from_buffers reinterprets bytes, so the values must have exactly the schema's dtype.
    contiguous = np.ascontiguousarray(values, dtype=arrow_type.to_pandas_dtype())
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(contiguous)])


class Writer:
    """Base of the streaming writers: a temporary file, renamed on commit, deleted on abort."""

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, options: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.schema = schema
        self.options = options or {}
        self.rows = 0
        self.temp_path = _temporary_path(self.path)

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Flush and close the format's file handle."""

    def commit(self) -> None:
        self._close()
        self._rename_into_place()

    def _rename_into_place(self) -> None:
        # mkstemp creates the file readable by its owner only, so give it the usual
        # permissions of a new file (0666 less the umask) before it takes the real name.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temp_path, 0o666 & ~umask)
        os.replace(self.temp_path, self.path)

    def abort(self) -> None:
        try:
            self._close()
        except Exception:
            log.debug("closing %s after a failure raised", self.temp_path, exc_info=True)
        self.temp_path.unlink(missing_ok=True)


def _temporary_path(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        raise OutputError(f"{path}: output folder {str(folder)!r} does not exist; create it first")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write to folder {str(folder)!r} ({exc.strerror}); choose another output path"
        ) from None
    os.close(handle)
    return Path(name)


class ParquetWriter(Writer):
    """Parquet via pyarrow, one row group per chunk, zstd compressed."""

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, metadata: dict[str, str] | None = None, options: dict[str, str] | None = None) -> None:
        import pyarrow.parquet as pq

        super().__init__(path, schema, options)
        if metadata:
            schema = schema.with_metadata(metadata)
            self.schema = schema
        compression = self.options.get("compression", "zstd")
        # Dictionary encoding rarely pays for float columns of physics data and halves the
        # write speed, so it is off. Min/max statistics are kept for the columns that readers
        # filter on (run, event, counters, labels), not for floats: on the benchmark selection
        # they took 17 % of the write time (benchmarks/bench_export.py, docs/benchmarks.md).
        self._writer = pq.ParquetWriter(
            self.temp_path,
            schema,
            compression=None if compression == "none" else compression,
            use_dictionary=False,
            write_statistics=[f.name for f in schema if not pa.types.is_floating(f.type)],
        )

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        table = arrow_table(columns, self.schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _close(self) -> None:
        self._writer.close()


#: Threads that turn numbers into CSV text. Formatting is nearly all of a CSV export's time
#: and pyarrow releases the GIL while it formats. Each chunk is cut into twice as many slices
#: as threads, so that a thread whose slice is done takes the next one. On a 2-core machine, the
#: 1M-event benchmark export took 3.69 s with 2 threads and 2 slices, 3.29 s with 4 slices and
#: 3.20 s with 4 threads and 8 slices (medians of three).
CSV_THREADS = max(4, min(8, os.cpu_count() or 1))
#: Chunks smaller than this many rows per thread are formatted in one piece.
CSV_MIN_SLICE = 2_000


class CsvWriter(Writer):
    """CSV via pyarrow: a header row, integers as integers, gzip for ``.csv.gz``.

    Each chunk is cut into slices that a small thread pool formats at the same time. The
    slices are then written in order, so rows keep their order.
    """

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, metadata: dict[str, str] | None = None, options: dict[str, str] | None = None) -> None:
        super().__init__(path, schema, options)
        compression = "gzip" if self.path.name.lower().endswith(".gz") else None
        self._stream = pa.CompressedOutputStream(str(self.temp_path), compression) if compression else pa.OSFile(str(self.temp_path), "wb")
        self._pool = ThreadPoolExecutor(CSV_THREADS, thread_name_prefix="rootable-csv")
        self._header_written = False

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        table = arrow_table(columns, self.schema)
        if not self._header_written:
            self._write_header()
        if table.num_rows == 0:
            return
        pieces = max(1, min(2 * CSV_THREADS, table.num_rows // CSV_MIN_SLICE))
        size = -(-table.num_rows // pieces)
        slices = [table.slice(start, size) for start in range(0, table.num_rows, size)]
        for text in self._pool.map(_csv_text, slices):
            self._stream.write(text)
        self.rows += table.num_rows

    def _write_header(self) -> None:
        import pyarrow.csv as pacsv

        pacsv.write_csv(self.schema.empty_table(), self._stream)
        self._header_written = True

    def _close(self) -> None:
        self._pool.shutdown()
        if not self._stream.closed:
            if not self._header_written:
                self._write_header()
            self._stream.close()


def _csv_text(table: pa.Table) -> pa.Buffer:
    """Return the rows of ``table`` as CSV text, without a header."""
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


class FeatherWriter(Writer):
    """Feather version 2 (Arrow IPC file), one record batch per chunk."""

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, metadata: dict[str, str] | None = None, options: dict[str, str] | None = None) -> None:
        super().__init__(path, schema, options)
        if metadata:
            self.schema = schema.with_metadata(metadata)
        self._sink = pa.OSFile(str(self.temp_path), "wb")
        self._writer = pa.ipc.new_file(self._sink, self.schema)

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        table = arrow_table(columns, self.schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _close(self) -> None:
        if not self._sink.closed:
            self._writer.close()
            self._sink.close()


class Hdf5Writer(Writer):
    """HDF5 via h5py: one chunked, compressed, resizable dataset per column, or one 2-D ``X``.

    With the ``matrix`` layout, ``X`` contains every column as ``matrix_dtype`` and its
    ``columns`` attribute lists their names in order; text columns are refused.
    """

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, metadata: dict[str, str] | None = None, options: dict[str, str] | None = None) -> None:
        try:
            import h5py
        except ImportError:
            raise OutputError("HDF5 output needs h5py: pip install h5py") from None
        self.matrix = (options or {}).get("layout") == "matrix"
        if self.matrix:
            _reject_text_columns(path, schema, "an HDF5 matrix")
        super().__init__(path, schema, options)
        self._file = h5py.File(self.temp_path, "w")
        if metadata:
            for key, value in metadata.items():
                self._file.attrs[key] = value
        if self.matrix:
            dtype = np.dtype(self.options.get("matrix_dtype", "float32"))
            matrix = self._file.create_dataset("X", shape=(0, len(schema)), maxshape=(None, len(schema)), dtype=dtype, chunks=True, compression="gzip")
            matrix.attrs["columns"] = np.array(schema.names, dtype=h5py.string_dtype())
            return
        for field in schema:
            dtype = h5py.string_dtype() if field.type == pa.string() else field.type.to_pandas_dtype()
            self._file.create_dataset(field.name, shape=(0,), maxshape=(None,), dtype=dtype, chunks=True, compression="gzip")

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        count = len(next(iter(columns.values()))) if columns else 0
        if self.matrix:
            dataset = self._file["X"]
            dataset.resize((self.rows + count, len(self.schema)))
            dataset[self.rows :] = _matrix(columns, self.schema.names, dataset.dtype)
            self.rows += count
            return
        for name, values in columns.items():
            dataset = self._file[name]
            dataset.resize((self.rows + count,))
            dataset[self.rows :] = values.astype(object) if values.dtype == object else values
        self.rows += count

    def _close(self) -> None:
        if self._file.id.valid:
            self._file.close()


class RootWriter(Writer):
    """A flat TTree ``Events`` written with uproot, one basket per chunk; text is not supported."""

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, metadata: dict[str, str] | None = None, options: dict[str, str] | None = None) -> None:
        import uproot

        super().__init__(path, schema, options)
        text = [f.name for f in schema if f.type == pa.string()]
        if text:
            self.temp_path.unlink(missing_ok=True)
            raise OutputError(f"{path}: flat ROOT output cannot hold the text columns {', '.join(text)}; untick them")
        self._file = uproot.recreate(self.temp_path)
        branch_types = {f.name: np.dtype(f.type.to_pandas_dtype()) for f in schema}
        self._tree = self._file.mktree("Events", branch_types, title="flat table written by rootable")

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        count = len(next(iter(columns.values()))) if columns else 0
        if count:
            self._tree.extend(dict(columns))
        self.rows += count

    def _close(self) -> None:
        if not self._file.closed:
            self._file.close()


class NumpyWriter(Writer):
    """NumPy: ``.npz`` with a 2-D matrix ``X`` and the ``columns`` names, or one array per
    column (layout ``columns``); ``.npy`` contains ``X`` alone.

    Rows go to raw temporary files chunk by chunk. ``commit`` writes each NumPy header with
    the final shape and copies the rows after it, so memory stays flat.
    """

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema, metadata: dict[str, str] | None = None, options: dict[str, str] | None = None) -> None:
        _reject_text_columns(path, schema, "a NumPy output")
        super().__init__(path, schema, options)
        self.dtype = np.dtype(self.options.get("matrix_dtype", "float32"))
        self.by_column = self.options.get("layout") == "columns" and self.path.suffix.lower() == ".npz"
        parts = schema.names if self.by_column else ["X"]
        self._parts = {name: Path(f"{self.temp_path}.{index}.rows") for index, name in enumerate(parts)}
        self._handles = {name: open(part, "wb") for name, part in self._parts.items()}  # noqa: SIM115 - closed in _close

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        if self.by_column:
            for name in self.schema.names:
                self._handles[name].write(np.ascontiguousarray(columns[name]).tobytes())
            self.rows += len(columns[self.schema.names[0]]) if self.schema.names else 0
            return
        matrix = _matrix(columns, self.schema.names, self.dtype)
        self._handles["X"].write(matrix.tobytes())
        self.rows += len(matrix)

    def _close(self) -> None:
        for handle in self._handles.values():
            if not handle.closed:
                handle.close()

    def commit(self) -> None:
        self._close()
        if self.path.suffix.lower() == ".npy":
            with open(self.temp_path, "wb") as output:
                self._copy_part(output, "X")
        else:
            self._write_archive()
        self._remove_parts()
        self._rename_into_place()

    def _write_archive(self) -> None:
        import zipfile

        with zipfile.ZipFile(self.temp_path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name in self._parts:
                with archive.open(f"{name}.npy", "w", force_zip64=True) as output:
                    self._copy_part(output, name)
            if not self.by_column:
                with archive.open("columns.npy", "w") as output:
                    np.lib.format.write_array(output, np.array(self.schema.names))

    def _copy_part(self, output: Any, name: str) -> None:
        import shutil

        if self.by_column:
            dtype = np.dtype(self.schema.field(name).type.to_pandas_dtype())
            shape: tuple[int, ...] = (self.rows,)
        else:
            dtype, shape = self.dtype, (self.rows, len(self.schema))
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_2_0(output, header)
        with open(self._parts[name], "rb") as rows:
            shutil.copyfileobj(rows, output, 16 * 1024 * 1024)

    def _remove_parts(self) -> None:
        for part in self._parts.values():
            part.unlink(missing_ok=True)

    def abort(self) -> None:
        super().abort()
        self._remove_parts()


def _reject_text_columns(path: str | os.PathLike[str], schema: pa.Schema, what: str) -> None:
    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)
    text = [f.name for f in schema if not any(check(f.type) for check in numeric)]
    if text:
        raise OutputError(
            f"{path}: {what} can contain numbers only; untick the text columns {', '.join(text)} "
            "or export to Parquet"
        )


def _matrix(columns: Mapping[str, np.ndarray], names: list[str], dtype: np.dtype) -> np.ndarray:
    rows = len(columns[names[0]]) if names else 0
    matrix = np.empty((rows, len(names)), dtype=dtype)
    for position, name in enumerate(names):
        matrix[:, position] = columns[name]
    return matrix


WRITERS: dict[str, Any] = {
    "parquet": ParquetWriter,
    "csv": CsvWriter,
    "feather": FeatherWriter,
    "hdf5": Hdf5Writer,
    "root": RootWriter,
    "numpy": NumpyWriter,
}


def open_writer(
    path: str | os.PathLike[str],
    fmt: str,
    schema: pa.Schema,
    metadata: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
) -> Writer:
    """Create the writer for ``fmt`` writing to a temporary file beside ``path``.

    ``options``: ``compression`` (Parquet), ``layout`` (HDF5, NumPy), ``matrix_dtype``.
    """
    writer_class = WRITERS[fmt]
    writer = writer_class.__new__(writer_class)
    try:
        writer.__init__(path, schema, metadata, options)  # type: ignore[misc]
    except BaseException as exc:
        # The temporary file exists once the base class is set up. A failure or Ctrl+C in the
        # format's own set-up (minutes for a ROOT tree of 10,000 branches) must not leave it.
        temp_path = getattr(writer, "temp_path", None)
        if temp_path is not None:
            Path(temp_path).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot create the output file ({exc})") from None
        raise
    return writer
