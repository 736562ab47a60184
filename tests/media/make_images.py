"""Writes test images for tests/media/image_file_test.cc with PIL and by hand.

usage: make_images.py OUT_DIR

For every file, manifest.txt has "<file> ok" (OUT_DIR/<file>.npy holds the RGB
that PIL gives with the path HF uses: Image.open -> ImageOps.exif_transpose ->
convert("RGB"), except where noted) or "<file> error <substring of the message>".
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
manifest = []


def smooth(h, w):
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 255) // max(w - 1, 1), (yy * 255) // max(h - 1, 1),
                    ((xx + yy) * 4) % 256], -1)
    noise = rng.integers(0, 40, size=(h, w, 3))
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def hf_rgb(path):
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def ok(name, expected=None):
    np.save(os.path.join(out, name + ".npy"),
            hf_rgb(os.path.join(out, name)) if expected is None else expected)
    manifest.append(f"{name} ok")


def error(name, what):
    manifest.append(f"{name} error {what}")


def exif_bytes(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png_bytes(w, h, depth, color, raw_rows, extra=b""):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    data = b"".join(b"\0" + r for r in raw_rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b""))


def save(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


# --- JPEG: baseline (4:2:0 and 4:4:4), progressive, gray, CMYK, odd sizes, EXIF
rgb = smooth(37, 53)
Image.fromarray(rgb).save(os.path.join(out, "rgb420.jpg"), quality=90)
ok("rgb420.jpg")
Image.fromarray(rgb).save(os.path.join(out, "rgb444.jpg"), quality=95, subsampling=0)
ok("rgb444.jpg")
Image.fromarray(smooth(64, 48)).save(os.path.join(out, "progressive.jpg"), progressive=True)
ok("progressive.jpg")
Image.fromarray(smooth(31, 17)[:, :, 0]).save(os.path.join(out, "gray.jpg"))
ok("gray.jpg")
cmyk = rng.integers(0, 256, size=(19, 23, 4), dtype=np.uint8)
Image.fromarray(cmyk, mode="CMYK").save(os.path.join(out, "cmyk.jpg"), quality=95)
ok("cmyk.jpg")
Image.fromarray(smooth(1, 1)).save(os.path.join(out, "one.jpg"))
ok("one.jpg")
upright = smooth(21, 34)
for o in range(1, 9):
    Image.fromarray(upright).save(os.path.join(out, f"exif{o}.jpg"),
                                         exif=exif_bytes(o))
    ok(f"exif{o}.jpg")

# --- PNG: RGB, RGBA (alpha dropped), LA, L, 1-bit, palette (+transparency), EXIF
Image.fromarray(smooth(29, 41)).save(os.path.join(out, "rgb.png"))
ok("rgb.png")
rgba = np.concatenate([smooth(29, 41), rng.integers(0, 256, (29, 41, 1), dtype=np.uint8)], -1)
Image.fromarray(rgba, mode="RGBA").save(os.path.join(out, "rgba.png"))
ok("rgba.png")
la = np.stack([smooth(13, 9)[:, :, 1], rng.integers(0, 256, (13, 9), dtype=np.uint8)], -1)
Image.fromarray(la, mode="LA").save(os.path.join(out, "la.png"))
ok("la.png")
Image.fromarray(smooth(13, 9)[:, :, 2]).save(os.path.join(out, "gray.png"))
ok("gray.png")
Image.fromarray(smooth(16, 20)[:, :, 0] > 128).save(os.path.join(out, "bits1.png"))
ok("bits1.png")
Image.fromarray(smooth(24, 30)).quantize(37).save(os.path.join(out, "palette.png"))
ok("palette.png")
pal = Image.fromarray(smooth(24, 30)).quantize(16)
pal.save(os.path.join(out, "palette_trns.png"), transparency=3)
ok("palette_trns.png")
Image.fromarray(smooth(1, 1)).save(os.path.join(out, "one.png"))
ok("one.png")
Image.fromarray(smooth(22, 15)).save(os.path.join(out, "exif6.png"), exif=exif_bytes(6))
ok("exif6.png")
# eXIf after the image data (PIL applies it too)
exif_late = exif_bytes(8)
exif_late = exif_late[6:] if exif_late.startswith(b"Exif\0\0") else exif_late
late = smooth(6, 10)
save("exif_late.png", png_bytes(10, 6, 8, 2, [r.tobytes() for r in late])[:-12] +
     chunk(b"eXIf", exif_late) + chunk(b"IEND", b""))
ok("exif_late.png")
# 16-bit RGB (PIL also keeps the high byte) and 16-bit gray (PIL would clip the
# 16-bit value to 255 in convert("RGB"); we keep the high byte like RGB: the
# expected pixels are written here, not taken from PIL).
v16 = rng.integers(0, 65536, size=(7, 11, 3), dtype=np.uint16)
save("rgb16.png", png_bytes(11, 7, 16, 2, [r.astype(">u2").tobytes() for r in v16]))
ok("rgb16.png")
g16 = rng.integers(0, 65536, size=(5, 6), dtype=np.uint16)
save("gray16.png", png_bytes(6, 5, 16, 0, [r.astype(">u2").tobytes() for r in g16]))
ok("gray16.png", np.repeat((g16 >> 8).astype(np.uint8)[:, :, None], 3, axis=2))
# 2-bit gray (PIL's L;2 scaling equals libpng's bit replication)
g2 = rng.integers(0, 4, size=(3, 8), dtype=np.uint8)
rows = [bytes(int("".join(f"{v:02b}" for v in r[i:i + 4]), 2) for i in range(0, 8, 4)) for r in g2]
save("gray2.png", png_bytes(8, 3, 2, 0, rows))
ok("gray2.png")

# --- PPM / PGM
p6 = smooth(5, 7)
save("img.ppm", b"P6\n# comment\n7 5\n255\n" + p6.tobytes())
ok("img.ppm", p6)
p5 = smooth(4, 3)[:, :, 0]
save("img.pgm", b"P5 3 4 255\n" + p5.tobytes())
ok("img.pgm", np.repeat(p5[:, :, None], 3, axis=2))

# --- hostile files
good_png = open(os.path.join(out, "rgb.png"), "rb").read()
good_jpg = open(os.path.join(out, "rgb420.jpg"), "rb").read()
save("truncated.jpg", good_jpg[: len(good_jpg) // 2])
error("truncated.jpg", "Premature end of JPEG file")
save("truncated.png", good_png[: len(good_png) - 30])
error("truncated.png", "PNG: unexpected end of file (truncated PNG)")
save("no_iend.png", good_png[:-12])  # PIL would decode it; we refuse a cut file
error("no_iend.png", "truncated PNG")
i = good_png.index(b"IDAT")
n = struct.unpack(">I", good_png[i - 4:i])[0]
c = i + 4 + n  # the IDAT's CRC field
save("badcrc.png", good_png[:c] + bytes([good_png[c] ^ 0xff]) + good_png[c + 1:])
error("badcrc.png", "IDAT: CRC error")
save("baddata.png", good_png[:i + 10] + bytes([good_png[i + 10] ^ 0xff]) + good_png[i + 11:])
error("baddata.png", "IDAT")
t = chunk(b"tEXt", b"Comment\0hello")
t = t[:-1] + bytes([t[-1] ^ 1])
save("badcrc_text.png", good_png[:33] + t + good_png[33:])
error("badcrc_text.png", "CRC")
save("empty.png", b"")
error("empty.png", "empty file")
save("text.png", b"<html>not an image</html>\n")
error("text.png", "not a JPEG, PNG or PPM/PGM file (starts with 3c 68 74 6d")
save("png_named.jpg", good_png)  # wrong extension: decoded by its magic bytes
ok("png_named.jpg")
save("bad.ppm", b"P6\n7 x\n255\n")
error("bad.ppm", "bad PPM/PGM header")
save("short.ppm", b"P6\n7 5\n255\n" + p6.tobytes()[:50])
error("short.ppm", "truncated PPM/PGM data")
save("deep.ppm", b"P6\n2 2\n65535\n" + bytes(24))
error("deep.ppm", "maxval 65535")
# Huge dimensions and decompression bombs: the header claims 20000 x 20000
# (1.2 GB of RGB); the data covers a few rows only. Refused from the header.
row = b"\0" + bytes(20000 * 3)
z = zlib.compressobj(9)
idat = b"".join(z.compress(row) for _ in range(64)) + z.flush()
ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
save("bomb.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) +
     chunk(b"IEND", b""))
error("bomb.png", "20000 x 20000 image (400000000 pixels) exceeds the pixel limit")
sof = good_jpg.index(b"\xff\xc0") + 5  # SOF0: length(2) precision(1) height(2) width(2)
save("bomb.jpg", good_jpg[:sof] + struct.pack(">HH", 20000, 20000) + good_jpg[sof + 4:])
error("bomb.jpg", "20000 x 20000 image (400000000 pixels) exceeds the pixel limit")
save("huge.jpg", good_jpg[:sof] + struct.pack(">HH", 65500, 65500) + good_jpg[sof + 4:])
error("huge.jpg", "65500 x 65500 image")

# Control for the memory measurement (not in the manifest): 2000 x 2000 = 12 MB.
save("control.png", png_bytes(2000, 2000, 8, 2, [bytes(6000)] * 2000))

with open(os.path.join(out, "manifest.txt"), "w") as f:
    f.write("\n".join(manifest) + "\n")
