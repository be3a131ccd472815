"""The scan of an image folder: class folders, usable images, and every file that is not.

Classes are the first-level subfolders; each is walked recursively. Hidden entries (names that
start with a dot), files whose names do not end like an image, and files outside the class
folders are ignored and counted. Symbolic links are followed only when they lead inside the
folder (a loop is walked once); others are reported. Each image-named file is decoded (in
threads, Pillow releases the GIL while decoding) and reported when it is empty, not an image,
truncated or corrupt.

Example:
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("cat", "dog"):
    ...     (root / name).mkdir()
    ...     Image.new("RGB", (8, 8)).save(root / name / "a.png")
    >>> (root / "dog" / "b.png").write_bytes(b"")
    0
    >>> report = scan_class_folders(root)
    >>> sorted(report.files), report.skipped
    (['cat', 'dog'], [('dog/b.png', 'empty file (0 bytes)')])
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import io
import os
from pathlib import Path

from PIL import Image

from automl.data._image_decode import DECODE_ERRORS
from automl.data._image_decode import EMPTY_FILE
from automl.data._image_decode import IMAGE_SUFFIXES
from automl.data._image_decode import convert_image
from automl.data._image_decode import describe_error

__all__ = ["ScanReport", "ScannedImage", "list_image_files", "scan_class_folders"]

MAX_SCAN_THREADS = 16
_CHECK_SIZE = (8, 8)


@dataclasses.dataclass(frozen=True)
class ScannedImage:
    """One usable image found by the scan.

    Args:
        path: The file's path (under the scanned folder, symbolic links not resolved).
        height: Height in pixels.
        width: Width in pixels.
        sha256: Hex digest of the file's bytes.
        mode: Pillow's colour mode of the file (``"L"``, ``"RGB"``, ``"P"``...).
    """

    path: str
    height: int
    width: int
    sha256: str
    mode: str = ""


@dataclasses.dataclass
class ScanReport:
    """What a scan found in one folder of class subfolders.

    Args:
        root: The scanned folder.
        files: Class name -> its usable images, sorted by path (classes sorted by name).
        skipped: ``(path relative to root, reason)`` of each unusable file, sorted.
        ignored: Counts of ignored entries: ``hidden``, ``not_image`` (file name not an image
            name) and ``outside_class_folders`` (files directly in the root).
    """

    root: Path
    files: dict[str, list[ScannedImage]]
    skipped: list[tuple[str, str]]
    ignored: dict[str, int]

    @property
    def n_usable(self) -> int:
        """Number of usable images over all classes."""
        return sum(len(images) for images in self.files.values())

    def digest(self) -> str:
        """SHA-256 of every usable file's class, relative path and content hash."""
        text = "\n".join(f"{name}\t{self.relative(image.path)}\t{image.sha256}"
                         for name, images in self.files.items() for image in images)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def relative(self, path: str) -> str:
        """A path relative to the scanned folder, with forward slashes."""
        return Path(os.path.relpath(path, self.root)).as_posix()


def scan_class_folders(root: str | os.PathLike[str], *, n_threads: int | None = None
                       ) -> ScanReport:
    """Scans a folder whose first-level subfolders are classes.

    Args:
        root: The folder (it must exist).
        n_threads: Threads that decode the images; default twice the CPU count, at most 16.

    Returns:
        The :class:`ScanReport`. Class folders with no usable image are present with an empty
        list (the caller decides whether that is an error).

    Example:
        >>> scan_class_folders("pets/").ignored         # doctest: +SKIP
        {'hidden': 1, 'not_image': 0, 'outside_class_folders': 2}
    """
    walk = _FolderWalk(Path(root))
    candidates = walk.collect()
    threads = n_threads or min(MAX_SCAN_THREADS, 2 * (os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        checked = list(pool.map(_check_file, [path for _, path in candidates]))
    files: dict[str, list[ScannedImage]] = {name: [] for name in walk.class_names}
    for (class_name, path), (image, reason) in zip(candidates, checked, strict=True):
        if image is None:
            walk.skip(path, reason)
        else:
            files[class_name].append(image)
    return ScanReport(walk.root, files, sorted(walk.skipped), walk.ignored)


class _FolderWalk:
    """Walks the class folders, collecting image-named files and what is ignored or skipped."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.visited: set[str] = {self.real_root}
        self.class_names: list[str] = []
        self.skipped: list[tuple[str, str]] = []
        self.ignored = {"hidden": 0, "not_image": 0, "outside_class_folders": 0}

    def collect(self) -> list[tuple[str, str]]:
        """Returns ``(class name, path)`` of every image-named file, in a stable order."""
        found: list[tuple[str, str]] = []
        for entry in self._entries(self.root):
            if entry.is_dir():
                self.class_names.append(entry.name)
                self.walk(entry.path, entry.name, found)
            else:
                self.ignored["outside_class_folders"] += 1
        return found

    def skip(self, path: str, reason: str) -> None:
        """Records an unusable file."""
        self.skipped.append((Path(os.path.relpath(path, self.root)).as_posix(), reason))

    def walk(self, folder: str, class_name: str, found: list[tuple[str, str]]) -> None:
        """Appends ``(class_name, path)`` for each image-named file under ``folder``."""
        for entry in self._entries(folder):
            if entry.is_dir():
                self.walk(entry.path, class_name, found)
            elif entry.is_file() and entry.name.lower().endswith(IMAGE_SUFFIXES):
                found.append((class_name, entry.path))
            else:
                self.ignored["not_image"] += 1

    def _entries(self, folder: str | Path) -> list[os.DirEntry[str]]:
        """The usable entries of a folder, sorted by name; hidden and unsafe ones are counted."""
        with os.scandir(folder) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
        usable = []
        for entry in entries:
            if entry.name.startswith("."):
                self.ignored["hidden"] += 1
            elif self._is_followable(entry) and self._is_new_folder(entry):
                usable.append(entry)
        return usable

    def _is_followable(self, entry: os.DirEntry[str]) -> bool:
        """False (and the link reported) for a broken link or one that leads outside."""
        if not entry.is_symlink():
            return True
        target = os.path.realpath(entry.path)
        if not os.path.exists(target):
            self.skip(entry.path, "broken symbolic link")
            return False
        if os.path.commonpath([self.real_root, target]) != self.real_root:
            self.skip(entry.path, "symbolic link to outside the folder (not followed)")
            return False
        return True

    def _is_new_folder(self, entry: os.DirEntry[str]) -> bool:
        """False for a folder already walked (a symbolic-link loop or a second link to it)."""
        if not entry.is_dir():
            return True
        real = os.path.realpath(entry.path)
        if real in self.visited:
            return False
        self.visited.add(real)
        return True


def _check_file(path: str) -> tuple[ScannedImage | None, str]:
    """Decodes one file; returns the image's facts, or None and the reason it is unusable."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return None, f"cannot be read ({error.strerror or error})"
    if not data:
        return None, EMPTY_FILE
    try:
        with Image.open(io.BytesIO(data)) as image:
            (width, height), mode = image.size, image.mode
            convert_image(image, _CHECK_SIZE, 3)
    except DECODE_ERRORS as error:
        return None, describe_error(error, path)
    return ScannedImage(path, height, width, hashlib.sha256(data).hexdigest(), mode), ""


def list_image_files(path: str | os.PathLike[str]) -> list[Path]:
    """Lists the images to predict on: one file, or a folder's image-named files.

    Args:
        path: An image file (returned as it is, whatever its name), or a folder walked
            recursively; hidden entries, non-image names and symbolic links leading outside
            the folder are left out.

    Returns:
        The files, sorted by path.

    Raises:
        FileNotFoundError: If ``path`` does not exist.

    Example:
        >>> list_image_files("new_photos/")                    # doctest: +SKIP
        [PosixPath('new_photos/a.jpg'), PosixPath('new_photos/more/b.png')]
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"'{root}' not found.")
    if not root.is_dir():
        return [root]
    walk = _FolderWalk(root)
    found: list[tuple[str, str]] = []
    walk.walk(str(root), "", found)
    return sorted(Path(file) for _, file in found)
