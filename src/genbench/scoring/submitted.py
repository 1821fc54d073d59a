"""Samples from anywhere, read for ``genbench score``: an ``.npz`` in the project's samples
format, an ``.npy`` of images, or a folder of 28 x 28 grayscale PNGs (digit labels from
sub-folders ``0/`` ... ``9/``), with optional labels from a file. Everything is checked and a
bad input is an InputError naming what was found: no resizing, no colour conversion, no
silent rescaling. Images come back as the committed samples are scored: 256 grey levels,
floats in [0, 1], N x 1 x 28 x 28."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from genbench.errors import InputError
from genbench.sampling import from_uint8

SIDE = 28  # MNIST's images are 28 x 28


@dataclass
class Submitted:
    images: torch.Tensor  # N x 1 x 28 x 28 floats in [0, 1], on 256 grey levels
    labels: torch.Tensor  # int64: the digit each image was drawn for, or -1 for every image
    notes: list[str] = field(default_factory=list)  # what was accepted with a caveat


def _grey_levels(images: np.ndarray, where: str, notes: list[str]) -> np.ndarray:
    """uint8 N x 28 x 28 from uint8, integer (0-255) or float ([0, 1]) pixels, shape checked."""
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]  # N x 1 x H x W
    elif images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # N x H x W x 1
    if images.ndim == 4 and 3 in (images.shape[1], images.shape[-1]):
        raise InputError(f"{where}: RGB images (shape {images.shape}); genbench scores grayscale "
                         f"{SIDE} x {SIDE} digits (convert them, e.g. to luminance, yourself)")
    if images.ndim == 2 and images.shape == (SIDE, SIDE):
        raise InputError(f"{where}: one image ({SIDE} x {SIDE}); expected an array of N images, N x {SIDE} x {SIDE}")
    if images.ndim != 3:
        raise InputError(f"{where}: expected N x {SIDE} x {SIDE} images, got an array of shape {images.shape}")
    if len(images) == 0:
        raise InputError(f"{where}: no images")
    if images.shape[1:] != (SIDE, SIDE):
        raise InputError(f"{where}: images are {images.shape[1]} x {images.shape[2]}; MNIST is {SIDE} x {SIDE} "
                         "(genbench does not resize: resize them yourself if you mean to)")
    if images.dtype == np.uint8:
        return images
    if images.dtype == np.bool_ or images.dtype.kind not in "iuf":
        raise InputError(f"{where}: pixels of type {images.dtype}; expected uint8 (0-255) or floats in [0, 1]")
    if images.dtype.kind == "f":
        bad = ~np.isfinite(images)
        if bad.any():
            count = int(bad.reshape(len(images), -1).any(1).sum())
            raise InputError(f"{where}: {count} image(s) contain NaN or infinite values")
        low, high = float(images.min()), float(images.max())
        if low < 0 or high > 1:
            hint = " (tanh outputs? rescale with (x + 1) / 2)" if low >= -1 and high <= 1 else ""
            raise InputError(f"{where}: float pixels must lie in [0, 1], found [{low:g}, {high:g}]{hint}")
        notes.append(f"{where}: float pixels in [0, 1], rounded to 256 grey levels as the committed samples are")
        return np.round(images.astype(np.float64) * 255).astype(np.uint8)
    low, high = int(images.min()), int(images.max())
    if low < 0 or high > 255:
        raise InputError(f"{where}: integer pixels must lie in 0-255, found {low}-{high}")
    return images.astype(np.uint8)


def _checked_labels(labels: np.ndarray, count: int, where: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise InputError(f"{where}: labels must be one integer per image, got shape {labels.shape}")
    if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise InputError(f"{where}: labels must be integers (digits 0-9), got {labels.dtype}")
    if len(labels) != count:
        raise InputError(f"{where}: {len(labels)} labels for {count} images; give one label per image")
    labels = labels.astype(np.int64)
    if (labels == -1).all():
        return labels
    bad = labels[(labels < 0) | (labels > 9)]
    if len(bad):
        raise InputError(f"{where}: labels must be digits 0-9 (or -1 for every image: none), found {int(bad[0])}")
    return labels


def _load_array(path: Path, allow_npz: bool):
    try:
        if path.stat().st_size == 0:
            raise InputError(f"{path}: empty file")
        loaded = np.load(path, allow_pickle=False)
    except InputError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: cannot read it as a NumPy {'.npz' if allow_npz else '.npy'} file ({exc})") from None
    if isinstance(loaded, np.lib.npyio.NpzFile) != allow_npz:
        loaded.close() if isinstance(loaded, np.lib.npyio.NpzFile) else None
        raise InputError(f"{path}: the file's contents do not match its {path.suffix} extension")
    return loaded


def _from_npz(path: Path, notes: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    with _load_array(path, allow_npz=True) as data:
        try:
            arrays = {name: data[name] for name in data.files}
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise InputError(f"{path}: cannot read its arrays ({exc})") from None
    if "images" not in arrays:
        raise InputError(f"{path}: no 'images' array (has {', '.join(arrays) or 'none'}); the samples format "
                         "holds 'images' (N x 28 x 28 uint8) and optionally 'labels' (N digits)")
    return _grey_levels(arrays["images"], str(path), notes), arrays.get("labels")


def _from_png_folder(folder: Path, notes: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    digit_dirs = [folder / str(d) for d in range(10) if (folder / str(d)).is_dir()]
    if digit_dirs:
        files = [(p, int(d.name)) for d in digit_dirs for p in sorted(d.glob("*.png"))]
        loose = sorted(folder.glob("*.png"))
        if loose:
            raise InputError(f"{folder}: {len(loose)} PNG(s) beside the digit sub-folders 0/-9/; put every image "
                             "in its digit's folder, or use no sub-folders for unlabelled images")
    else:
        files = [(p, -1) for p in sorted(folder.glob("*.png"))]
    if not files:
        raise InputError(f"{folder}: no PNG files (expected *.png, or 0/*.png ... 9/*.png for labelled digits)")
    images = []
    for path, _ in files:
        try:
            with Image.open(path) as img:
                img.load()
                mode, size = img.mode, img.size
                pixels = np.asarray(img)
        except (OSError, UnidentifiedImageError) as exc:
            raise InputError(f"{path}: not a readable PNG ({exc})") from None
        if size != (SIDE, SIDE):
            raise InputError(f"{path}: {size[0]} x {size[1]} pixels; MNIST is {SIDE} x {SIDE} "
                             "(genbench does not resize: resize them yourself if you mean to)")
        if mode != "L":
            kind = "RGB" if mode.startswith("RGB") else f"mode {mode}"
            raise InputError(f"{path}: {kind} image; genbench scores 8-bit grayscale (mode L) {SIDE} x {SIDE} PNGs")
        images.append(pixels)
    labels = np.array([d for _, d in files], dtype=np.int64)
    notes.append(f"{folder}: {len(files)} PNGs" + (", labelled by their sub-folder" if digit_dirs else ""))
    return np.stack(images), labels


def _labels_file(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(f"--labels {path}: no such file")
    if path.suffix == ".npy":
        return _load_array(path, allow_npz=False)
    try:
        text = path.read_text()
        return np.array([int(t) for t in text.split()], dtype=np.int64)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"--labels {path}: expected an .npy array or whitespace-separated digits ({exc})") from None


def read_submitted(path: Path, labels_path: Path | None = None) -> Submitted:
    """The images (and labels, if the input or ``labels_path`` has them) at ``path``."""
    path, notes = Path(path), []
    if path.is_dir():
        images, labels = _from_png_folder(path, notes)
    elif not path.exists():
        raise InputError(f"{path}: no such file or folder")
    elif path.suffix == ".npz":
        images, labels = _from_npz(path, notes)
    elif path.suffix == ".npy":
        images, labels = _grey_levels(_load_array(path, allow_npz=False), str(path), notes), None
    else:
        raise InputError(f"{path}: expected an .npz (the samples format), an .npy of images or a folder of PNGs")
    if labels_path is not None:
        if labels is not None and (np.asarray(labels) != -1).any():
            raise InputError(f"--labels {labels_path}: {path} has labels already")
        labels = _labels_file(Path(labels_path))
        where = f"--labels {labels_path}"
    else:
        where = str(path)
    labels = np.full(len(images), -1, dtype=np.int64) if labels is None else _checked_labels(labels, len(images), where)
    return Submitted(from_uint8(np.ascontiguousarray(images)), torch.from_numpy(labels), notes)
