"""Test helper for the image CLI tests (tests/vision/cli_image_test.cc).

  ref_image_file.py SHARED make OUT H W [exif_orientation]
      writes a random image (PNG, or JPEG when OUT ends in .jpg) of H x W
  ref_image_file.py SHARED preprocess IMAGE BUDGET PV_OUT POS_OUT
      loads IMAGE the way HF does (PIL open -> exif_transpose -> convert RGB)
      and writes gemma4ref.vision.preprocess_image's patches (float32) and
      positions (int32)
  ref_image_file.py SHARED png IN.npy OUT.png
      writes a uint8 [H, W, 3] array as a PNG
"""
import sys

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, sys.argv[1] + "/reference")
from gemma4ref import vision  # noqa: E402

mode = sys.argv[2]
if mode == "make":
    path, h, w = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    rng = np.random.default_rng(h * 10007 + w)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1),
                    rng.integers(0, 256, size=(h, w))], -1).astype(np.uint8)
    kw = {}
    if len(sys.argv) > 6:
        e = Image.Exif()
        e[0x0112] = int(sys.argv[6])
        kw["exif"] = e.tobytes()
    Image.fromarray(img).save(path, **kw)
elif mode == "preprocess":
    with Image.open(sys.argv[3]) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    pv, pos, _ = vision.preprocess_image(None, rgb, int(sys.argv[4]))
    np.save(sys.argv[5], pv)
    np.save(sys.argv[6], pos.astype(np.int32))
elif mode == "png":
    Image.fromarray(np.load(sys.argv[3])).save(sys.argv[4])
else:
    sys.exit("unknown mode " + mode)
